// SPDX-License-Identifier: Apache-2.0
// NVML access for the GPU baseline harness: board power, the total-energy counter, clocks,
// temperature and the driver version.
//
// NVML is loaded at run time with dlopen("libnvidia-ml.so.1"), the library that the NVIDIA driver
// installs, and the few entry points used here are declared in nvml_power.cpp. So the harness
// builds where the CUDA toolkit has no nvml.h or NVML stub (the build machines of this project),
// and it still runs, with the power fields marked unavailable, where the driver has no NVML.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace serrano::gpubench {

class Nvml {
 public:
  Nvml() = default;
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  // Loads the library, initialises NVML and opens the device with this PCI bus id (as
  // cudaDeviceGetPCIBusId writes it). False, with error() saying why, if any step fails.
  bool open(const std::string& pci_bus_id);
  bool ok() const { return device_ != nullptr; }
  const std::string& error() const { return error_; }
  const std::string& library() const { return library_; }

  std::string driver_version() const;
  std::string name() const;
  // Board power in milliwatts (nvmlDeviceGetPowerUsage).
  bool power_mw(unsigned* mw) const;
  // Energy used since the driver was loaded, in millijoules (nvmlDeviceGetTotalEnergyConsumption).
  bool energy_mj(unsigned long long* mj) const;
  // clock: 0 graphics, 1 SM, 2 memory (nvmlClockType_t), in MHz.
  bool clock_mhz(int clock, unsigned* mhz) const;
  bool max_clock_mhz(int clock, unsigned* mhz) const;
  bool power_limit_mw(unsigned* mw) const;
  bool temperature_c(unsigned* c) const;
  // Bit mask of the reasons the clocks are held below their maximum (nvmlClocksEventReasons).
  bool clock_event_reasons(unsigned long long* mask) const;

 private:
  void* lib_ = nullptr;
  void* device_ = nullptr;
  bool initialised_ = false;
  std::string error_;
  std::string library_;
};

// Average power from the total-energy counter over a window that starts and ends on the
// counter's own updates. The counter of an H100 moves only about every 100 ms, so reading it at
// arbitrary times would put up to one update period of error at each end of a short window.
// Call begin() when the load starts, poll() often (every millisecond or so) while it runs.
// Not thread-safe: PowerMonitor drives it from its own thread.
// The window opens at the first update after settle_ms and closes at the first update after it
// has been open window_ms. If the counter does not move for a second, the window uses plain reads
// (aligned() false).
class EnergyWindow {
 public:
  EnergyWindow(const Nvml* nvml, double settle_ms, double window_ms)
      : nvml_(nvml), settle_ms_(settle_ms), window_ms_(window_ms) {}
  void begin();
  void poll();
  void finish();  // close now, unaligned, if still open
  bool open() const { return state_ == kOpen; }
  bool done() const { return state_ == kDone || state_ == kFailed; }
  bool ok() const { return state_ == kDone; }
  bool aligned() const { return aligned_; }
  double seconds() const { return seconds_; }
  double joules() const { return joules_; }
  int updates() const { return updates_; }

 private:
  enum State { kIdle, kSettle, kWaitEdge, kOpen, kDone, kFailed };
  void close(unsigned long long e, double now_ms);
  double now_ms() const;

  const Nvml* nvml_;
  double settle_ms_, window_ms_;
  State state_ = kIdle;
  std::chrono::steady_clock::time_point start_;
  unsigned long long ref_ = 0, e0_ = 0, last_ = 0;
  double t0_ms_ = 0.0, last_change_ms_ = 0.0;
  bool aligned_ = true;
  double seconds_ = 0.0, joules_ = 0.0;
  int updates_ = 0;
};

// Measures a loaded (or idle) period from a host thread of its own, so that NVML calls, which
// can take milliseconds, never hold up the thread that keeps the GPU busy. The thread runs an
// EnergyWindow (polling the energy counter about every millisecond) and, while the window is
// open, samples board power, SM clock and clock event reasons every period_ms.
class PowerMonitor {
 public:
  explicit PowerMonitor(const Nvml* nvml) : nvml_(nvml), window_(nvml, 0, 0) {}
  ~PowerMonitor() { stop(); }
  void start(double settle_ms, double window_ms, int period_ms);
  bool done() const { return done_; }  // the window has closed (or failed)
  void stop();  // closes the window now (unaligned) if still open, joins the thread
  const EnergyWindow& window() const { return window_; }
  int samples() const { return samples_; }
  double mean_w() const { return samples_ > 0 ? sum_mw_ / samples_ / 1000.0 : 0.0; }
  double max_w() const { return max_mw_ / 1000.0; }
  double mean_sm_mhz() const { return clock_samples_ > 0 ? sum_mhz_ / clock_samples_ : 0.0; }
  bool reasons_ok() const { return reasons_ok_; }
  unsigned long long reasons_or() const { return reasons_; }
  int energy_reads() const { return energy_reads_; }
  double energy_read_mean_ms() const {
    return energy_reads_ > 0 ? energy_read_ms_ / energy_reads_ : 0.0;
  }

 private:
  const Nvml* nvml_;
  EnergyWindow window_;
  std::thread thread_;
  std::atomic<bool> running_{false}, done_{false};
  int samples_ = 0, clock_samples_ = 0, energy_reads_ = 0;
  double sum_mw_ = 0.0, max_mw_ = 0.0, sum_mhz_ = 0.0, energy_read_ms_ = 0.0;
  bool reasons_ok_ = false;
  unsigned long long reasons_ = 0;
};

}  // namespace serrano::gpubench
