// Errors that reach the user. Every message names what is wrong precisely enough to fix it
// (file, dataset, row, value); the CLI prints what() and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace tailor {

// Bad input: a malformed file, an unknown id, an out-of-range option. Exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure while doing the work: I/O errors, a QA gate, a device error. Exit code 1.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tailor
