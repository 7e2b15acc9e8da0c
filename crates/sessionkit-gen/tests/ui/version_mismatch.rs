// Generated code names the runtime version it was made for; compiled against another, the build
// fails with a message that says to regenerate.
const _: () = sessionkit::typed::generated_for("999");

fn main() {}
