// host/core/device: --device parsing, the choice between CPU and CUDA on machines described by a
// CudaProbe (the test hook: no driver, a device without code for its architecture, a usable
// device), and the backend made from it.
#include "host/core/device.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/core/error.hpp"

namespace tailor {
namespace {

using ::testing::HasSubstr;

CudaProbe no_build() {
  CudaProbe p;
  p.error = "this build of tailor has no CUDA backend";
  return p;
}

CudaProbe no_driver() {
  CudaProbe p;
  p.built = true;
  p.runtime_version = 13000;
  p.error = "cudaGetDeviceCount failed with cudaErrorInsufficientDriver";
  return p;
}

// One device; `problem` empty: usable.
CudaProbe one_device(const std::string& problem) {
  CudaProbe p;
  p.built = true;
  p.driver_version = 13000;
  p.runtime_version = 13000;
  CudaDeviceInfo d;
  d.index = 0;
  d.name = "NVIDIA B200";
  d.major = 10;
  d.minor = 0;
  d.memory = std::size_t{180} << 30;
  d.problem = problem;
  p.devices.push_back(d);
  return p;
}

TEST(DeviceSpec, ParsesEveryForm) {
  EXPECT_EQ(parse_device("auto").kind, Device::automatic);
  EXPECT_EQ(parse_device("cpu").kind, Device::cpu);
  const DeviceSpec cuda = parse_device("cuda");
  EXPECT_EQ(cuda.kind, Device::cuda);
  EXPECT_EQ(cuda.index, 0);
  EXPECT_EQ(parse_device("gpu").kind, Device::cuda);
  const DeviceSpec second = parse_device("cuda:3");
  EXPECT_EQ(second.kind, Device::cuda);
  EXPECT_EQ(second.index, 3);
  for (const char* text : {"auto", "cpu", "cuda", "cuda:3"})
    EXPECT_EQ(parse_device(text).text(), text);
}

TEST(DeviceSpec, RefusesWhatIsNotADevice) {
  for (const char* bad : {"tpu", "", "cuda:", "cuda:x", "cuda:-1", "cuda:1x", "CPU"}) {
    try {
      (void)parse_device(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr("use auto, cpu, cuda or cuda:N")) << bad;
    }
  }
}

TEST(ChooseDevice, CpuIsAlwaysTheCpu) {
  for (const CudaProbe& p : {no_build(), no_driver(), one_device(""), one_device("no code")})
    EXPECT_EQ(choose_device(parse_device("cpu"), p).device, Device::cpu);
}

TEST(ChooseDevice, AutoFallsBackWithTheReason) {
  const DeviceChoice a = choose_device(parse_device("auto"), no_build());
  EXPECT_EQ(a.device, Device::cpu);
  EXPECT_THAT(a.reason, HasSubstr("no CUDA backend"));
  const DeviceChoice b = choose_device(parse_device("auto"), no_driver());
  EXPECT_EQ(b.device, Device::cpu);
  EXPECT_THAT(b.reason, HasSubstr("cudaErrorInsufficientDriver"));
  CudaProbe none = one_device("");
  none.devices.clear();
  none.error = "no CUDA device found";
  EXPECT_THAT(choose_device(parse_device("auto"), none).reason, HasSubstr("no CUDA device found"));
}

// A device is counted, but the binary has no code for its compute capability: auto must not
// pick it (its first kernel launch would fail), and says which device and why.
TEST(ChooseDevice, AutoSkipsADeviceWithoutCodeForItsArchitecture) {
  const CudaProbe p = one_device("this binary has no code for sm_100 (built for sm 80,90)");
  const DeviceChoice c = choose_device(parse_device("auto"), p);
  EXPECT_EQ(c.device, Device::cpu);
  EXPECT_THAT(c.reason, HasSubstr("NVIDIA B200 (sm_100"));
  EXPECT_THAT(c.reason, HasSubstr("no code for sm_100"));
  const Backend b = make_backend(parse_device("auto"), 2, BackendOptions{}.memory_budget, p);
  EXPECT_FALSE(b.is_cuda());
  EXPECT_EQ(b.threads(), 2);
}

TEST(ChooseDevice, AutoTakesAUsableDevice) {
  const DeviceChoice c = choose_device(parse_device("auto"), one_device(""));
  EXPECT_EQ(c.device, Device::cuda);
  EXPECT_EQ(c.index, 0);
  EXPECT_THAT(c.reason, HasSubstr("NVIDIA B200 (sm_100, 180.0 GiB)"));
}

// --device cuda on a machine where it cannot run is bad input (exit 2), with the reason.
TEST(ChooseDevice, CudaWithoutAUsableDeviceIsAnInputError) {
  struct Case {
    CudaProbe probe;
    const char* spec;
    const char* says;
  };
  const Case cases[] = {{no_build(), "cuda", "no CUDA backend"},
                        {no_driver(), "cuda", "cudaErrorInsufficientDriver"},
                        {one_device("no code for sm_100"), "cuda", "no code for sm_100"},
                        {one_device(""), "cuda:1", "no CUDA device 1 (1 visible)"}};
  for (const Case& c : cases) {
    try {
      (void)choose_device(parse_device(c.spec), c.probe);
      ADD_FAILURE() << c.spec << " accepted";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(std::string("--device ") + c.spec + ": "));
      EXPECT_THAT(e.what(), HasSubstr(c.says));
    }
    EXPECT_THROW((void)make_backend(parse_device(c.spec), 1, std::size_t{1} << 20, c.probe),
                 InputError);
  }
}

TEST(MakeBackend, CpuBackendCarriesThreadsAndBudget) {
  const Backend b = make_backend(parse_device("cpu"), 3, std::size_t{5} << 20);
  EXPECT_FALSE(b.is_cuda());
  EXPECT_EQ(b.device(), -1);
  EXPECT_EQ(b.threads(), 3);
  EXPECT_EQ(b.memory_budget(), std::size_t{5} << 20);
  EXPECT_EQ(b.name(), "cpu (3 threads)");
  EXPECT_GE(make_backend(parse_device("cpu"), 0).threads(), 1);  // 0: all cores
}

}  // namespace
}  // namespace tailor
