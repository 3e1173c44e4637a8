// SPDX-License-Identifier: Apache-2.0
#include "nvml_power.h"

#include <dlfcn.h>

#include <chrono>

namespace serrano::gpubench {
namespace {

// The NVML ABI as used here: every call returns an int status (0 = NVML_SUCCESS), a device is an
// opaque pointer, enums are passed as int.
using NvmlStatus = int;
using NvmlDevice = void*;
constexpr NvmlStatus kSuccess = 0;

using FnInit = NvmlStatus (*)();
using FnShutdown = NvmlStatus (*)();
using FnErrorString = const char* (*)(NvmlStatus);
using FnDriverVersion = NvmlStatus (*)(char*, unsigned);
using FnHandleByPci = NvmlStatus (*)(const char*, NvmlDevice*);
using FnName = NvmlStatus (*)(NvmlDevice, char*, unsigned);
using FnPower = NvmlStatus (*)(NvmlDevice, unsigned*);
using FnEnergy = NvmlStatus (*)(NvmlDevice, unsigned long long*);
using FnClock = NvmlStatus (*)(NvmlDevice, int, unsigned*);
using FnTemperature = NvmlStatus (*)(NvmlDevice, int, unsigned*);
using FnReasons = NvmlStatus (*)(NvmlDevice, unsigned long long*);

template <typename F>
F sym(void* lib, const char* name) {
  return lib != nullptr ? reinterpret_cast<F>(dlsym(lib, name)) : nullptr;
}

}  // namespace

Nvml::~Nvml() {
  if (initialised_) {
    if (auto f = sym<FnShutdown>(lib_, "nvmlShutdown")) f();
  }
  if (lib_ != nullptr) dlclose(lib_);
}

bool Nvml::open(const std::string& pci_bus_id) {
  for (const char* name : {"libnvidia-ml.so.1", "libnvidia-ml.so"}) {
    lib_ = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib_ != nullptr) {
      library_ = name;
      break;
    }
  }
  if (lib_ == nullptr) {
    error_ = "libnvidia-ml.so.1 not found (no NVIDIA driver with NVML)";
    return false;
  }
  auto init = sym<FnInit>(lib_, "nvmlInit_v2");
  auto err = sym<FnErrorString>(lib_, "nvmlErrorString");
  if (init == nullptr) {
    error_ = "nvmlInit_v2 missing";
    return false;
  }
  if (NvmlStatus s = init(); s != kSuccess) {
    error_ = std::string("nvmlInit_v2: ") + (err ? err(s) : std::to_string(s));
    return false;
  }
  initialised_ = true;
  auto by_pci = sym<FnHandleByPci>(lib_, "nvmlDeviceGetHandleByPciBusId_v2");
  if (by_pci == nullptr) {
    error_ = "nvmlDeviceGetHandleByPciBusId_v2 missing";
    return false;
  }
  NvmlDevice dev = nullptr;
  if (NvmlStatus s = by_pci(pci_bus_id.c_str(), &dev); s != kSuccess) {
    error_ = "nvmlDeviceGetHandleByPciBusId_v2(" + pci_bus_id +
             "): " + (err ? err(s) : std::to_string(s));
    return false;
  }
  device_ = dev;
  return true;
}

std::string Nvml::driver_version() const {
  char buf[96] = {0};
  auto f = sym<FnDriverVersion>(lib_, "nvmlSystemGetDriverVersion");
  if (f == nullptr || f(buf, sizeof(buf)) != kSuccess) return "";
  return buf;
}

std::string Nvml::name() const {
  char buf[96] = {0};
  auto f = sym<FnName>(lib_, "nvmlDeviceGetName");
  if (!ok() || f == nullptr || f(device_, buf, sizeof(buf)) != kSuccess) return "";
  return buf;
}

bool Nvml::power_mw(unsigned* mw) const {
  auto f = sym<FnPower>(lib_, "nvmlDeviceGetPowerUsage");
  return ok() && f != nullptr && f(device_, mw) == kSuccess;
}

bool Nvml::energy_mj(unsigned long long* mj) const {
  auto f = sym<FnEnergy>(lib_, "nvmlDeviceGetTotalEnergyConsumption");
  return ok() && f != nullptr && f(device_, mj) == kSuccess;
}

bool Nvml::clock_mhz(int clock, unsigned* mhz) const {
  auto f = sym<FnClock>(lib_, "nvmlDeviceGetClockInfo");
  return ok() && f != nullptr && f(device_, clock, mhz) == kSuccess;
}

bool Nvml::max_clock_mhz(int clock, unsigned* mhz) const {
  auto f = sym<FnClock>(lib_, "nvmlDeviceGetMaxClockInfo");
  return ok() && f != nullptr && f(device_, clock, mhz) == kSuccess;
}

bool Nvml::power_limit_mw(unsigned* mw) const {
  auto f = sym<FnPower>(lib_, "nvmlDeviceGetEnforcedPowerLimit");
  return ok() && f != nullptr && f(device_, mw) == kSuccess;
}

bool Nvml::temperature_c(unsigned* c) const {
  auto f = sym<FnTemperature>(lib_, "nvmlDeviceGetTemperature");
  return ok() && f != nullptr && f(device_, /*NVML_TEMPERATURE_GPU*/ 0, c) == kSuccess;
}

bool Nvml::clock_event_reasons(unsigned long long* mask) const {
  auto f = sym<FnReasons>(lib_, "nvmlDeviceGetCurrentClocksEventReasons");
  if (f == nullptr) f = sym<FnReasons>(lib_, "nvmlDeviceGetCurrentClocksThrottleReasons");
  return ok() && f != nullptr && f(device_, mask) == kSuccess;
}

double EnergyWindow::now_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
      .count();
}

void EnergyWindow::begin() {
  start_ = std::chrono::steady_clock::now();
  state_ = (nvml_ != nullptr && nvml_->ok()) ? kSettle : kFailed;
}

void EnergyWindow::close(unsigned long long e, double now) {
  if (e < e0_ || now <= t0_ms_) {
    state_ = kFailed;
    return;
  }
  seconds_ = (now - t0_ms_) / 1000.0;
  joules_ = double(e - e0_) / 1000.0;
  state_ = kDone;
}

void EnergyWindow::poll() {
  if (state_ == kIdle || done()) return;
  unsigned long long e = 0;
  if (!nvml_->energy_mj(&e)) {
    state_ = kFailed;
    return;
  }
  const double now = now_ms();
  switch (state_) {
    case kSettle:
      if (now >= settle_ms_) {
        ref_ = e;
        state_ = kWaitEdge;
      }
      break;
    case kWaitEdge:
      if (e != ref_ || now >= settle_ms_ + 1000.0) {
        aligned_ = e != ref_;
        e0_ = last_ = e;
        t0_ms_ = last_change_ms_ = now;
        updates_ = 0;
        state_ = kOpen;
      }
      break;
    case kOpen:
      if (e != last_) {
        ++updates_;
        last_ = e;
        last_change_ms_ = now;
        if (now - t0_ms_ >= window_ms_) close(e, now);
      } else if (now - last_change_ms_ >= 1000.0 || (!aligned_ && now - t0_ms_ >= window_ms_)) {
        aligned_ = false;
        close(e, now);
      }
      break;
    default: break;
  }
}

void EnergyWindow::finish() {
  if (state_ != kOpen) {
    if (!done()) state_ = kFailed;
    return;
  }
  unsigned long long e = 0;
  if (!nvml_->energy_mj(&e)) {
    state_ = kFailed;
    return;
  }
  aligned_ = false;
  close(e, now_ms());
}

void PowerMonitor::start(double settle_ms, double window_ms, int period_ms) {
  stop();
  window_ = EnergyWindow(nvml_, settle_ms, window_ms);
  samples_ = clock_samples_ = energy_reads_ = 0;
  sum_mw_ = max_mw_ = sum_mhz_ = energy_read_ms_ = 0.0;
  reasons_ok_ = false;
  reasons_ = 0;
  done_ = false;
  if (nvml_ == nullptr || !nvml_->ok()) {
    done_ = true;
    return;
  }
  running_ = true;
  thread_ = std::thread([this, period_ms] {
    using clock = std::chrono::steady_clock;
    window_.begin();
    auto next_sample = clock::now();
    while (running_ && !window_.done()) {
      const auto t = clock::now();
      window_.poll();
      ++energy_reads_;
      energy_read_ms_ += std::chrono::duration<double, std::milli>(clock::now() - t).count();
      if (window_.open() && clock::now() >= next_sample) {
        next_sample = clock::now() + std::chrono::milliseconds(period_ms);
        unsigned v = 0;
        if (nvml_->power_mw(&v)) {
          ++samples_;
          sum_mw_ += v;
          if (v > max_mw_) max_mw_ = v;
        }
        if (nvml_->clock_mhz(/*SM*/ 1, &v)) {
          ++clock_samples_;
          sum_mhz_ += v;
        }
        unsigned long long mask = 0;
        if (nvml_->clock_event_reasons(&mask)) {
          reasons_ok_ = true;
          reasons_ |= mask;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!window_.done()) window_.finish();
    done_ = true;
  });
}

void PowerMonitor::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

}  // namespace serrano::gpubench
