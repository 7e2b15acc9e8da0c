//! Mistakes the generated builders turn into compile errors: constraining a dynamic parameter
//! (no method exists) and giving a value of the wrong type.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
