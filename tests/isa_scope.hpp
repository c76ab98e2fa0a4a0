// Test helper: run the CPU kernels with one instruction-set copy (kernels/cpu/isa.hpp).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "kernels/cpu/isa.hpp"

namespace tailor::testing {

// Makes the CPU kernels use one instruction-set copy while in scope (TAILOR_CPU_ISA).
class IsaScope {
 public:
  explicit IsaScope(cpu::Isa isa) {
    if (const char* old = std::getenv("TAILOR_CPU_ISA")) old_ = old;
    if (isa == cpu::Isa::baseline)
      setenv("TAILOR_CPU_ISA", "baseline", 1);
    else
      unsetenv("TAILOR_CPU_ISA");
  }
  ~IsaScope() {
    if (old_)
      setenv("TAILOR_CPU_ISA", old_->c_str(), 1);
    else
      unsetenv("TAILOR_CPU_ISA");
  }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

 private:
  std::optional<std::string> old_;
};

// Both copies where the processor has AVX2 + FMA, else only the baseline.
inline std::vector<cpu::Isa> isas() {
  std::vector<cpu::Isa> v{cpu::Isa::baseline};
  unsetenv("TAILOR_CPU_ISA");
  if (cpu::active_isa() == cpu::Isa::avx2_fma) v.push_back(cpu::Isa::avx2_fma);
  return v;
}

}  // namespace tailor::testing
