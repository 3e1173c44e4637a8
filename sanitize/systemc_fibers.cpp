// SPDX-License-Identifier: Apache-2.0
// Linked into every SystemC program of a -DSERRANO_SANITIZE=ON tree (docs/sanitizers.md).
//
// Debian's libsystemc 2.3.4 tells ASan about its coroutine switches through weak references to
// __sanitizer_start_switch_fiber. When it switches back to the main coroutine it passes that
// coroutine's stack, which SystemC does not know: bottom 0, size 0. ASan then believes the main
// thread's stack is empty, so __asan_handle_no_return ("ignoring requested ... top: 0x0") no
// longer unpoisons the frames an exception unwinds on the main stack, and the next function that
// reuses them stops on a false stack-buffer-overflow (GCC 12's libasan reports it first in its
// sigaltstack interceptor). This definition, in the executable, comes before libasan in symbol
// lookup, so libsystemc calls it; it puts in the main thread's real stack and calls ASan's.
// Needs the shared ASan runtime (GCC's default): clang links its runtime statically, and a second
// definition would clash.
#include <dlfcn.h>
#include <pthread.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>

namespace {

using StartSwitchFiber = void (*)(void**, const void*, std::size_t);

const void* main_stack_bottom = nullptr;
std::size_t main_stack_size = 0;
StartSwitchFiber asan_start_switch_fiber = nullptr;

// Runs before main, on the main thread.
__attribute__((constructor)) void find_main_stack() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &bottom, &size) == 0) {
    main_stack_bottom = bottom;
    main_stack_size = size;
  }
  pthread_attr_destroy(&attr);
}

}  // namespace

extern "C" void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom,
                                               std::size_t size) {
  if (asan_start_switch_fiber == nullptr) {
    asan_start_switch_fiber =
        reinterpret_cast<StartSwitchFiber>(dlsym(RTLD_NEXT, "__sanitizer_start_switch_fiber"));
    if (asan_start_switch_fiber == nullptr) {
      std::fprintf(stderr, "serrano: no ASan runtime behind __sanitizer_start_switch_fiber\n");
      std::abort();
    }
  }
  if (bottom == nullptr && size == 0) {  // back to the main coroutine: its stack is the thread's
    bottom = main_stack_bottom;
    size = main_stack_size;
  }
  asan_start_switch_fiber(fake_stack_save, bottom, size);
}
