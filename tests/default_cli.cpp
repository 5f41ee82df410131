// The command line the tests run by default: the one of this test binary's
// flavour (tests/CMakeLists.txt). The only test source compiled per flavour.
namespace tlbcheck::testing {

const char* default_cli();
const char* default_cli() { return TLBCHECK_CLI; }

}  // namespace tlbcheck::testing
