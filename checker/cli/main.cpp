// tlbcheck's entry point: the command line is checker/cli/app.cpp.
#include "checker/cli/app.hpp"

int main(int argc, char** argv) { return tlbcheck::cli::run_command_line(argc, argv); }
