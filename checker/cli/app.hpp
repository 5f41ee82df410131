// The command line, as a function: main.cpp calls it, and so does the
// command-line fuzz harness (tests/fuzz/command_line_fuzz.cpp), which runs
// it many times in one process. The usage and exit statuses are described
// at the top of app.cpp.
#pragma once

namespace tlbcheck::cli {

int run_command_line(int argc, char** argv);

}  // namespace tlbcheck::cli
