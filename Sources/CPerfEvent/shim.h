// Linux perf_event_open(2) for software events (task clock, page faults, context switches) when PAPI
// cannot provide them (PAPI 7.0 disables its perf_event component on machines without a core PMU).
// Imported only by the Profiling module. The syscall is variadic in libc, so it is wrapped here.
#ifndef LRD_CPERFEVENT_SHIM_H
#define LRD_CPERFEVENT_SHIM_H

#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Opens a counter for a PERF_TYPE_SOFTWARE event on thread `tid` (any CPU), disabled, user and
/// kernel time both counted. Returns the file descriptor, or minus an errno value.
static inline int lrd_perf_open_software(uint64_t config, int tid) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = config;
  attr.disabled = 1;
  attr.inherit = 1;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  long fd = syscall(SYS_perf_event_open, &attr, (pid_t)tid, -1, -1, 0UL);
  return fd < 0 ? -errno : (int)fd;
}

/// Reads a counter opened by lrd_perf_open_software: value, time enabled and time running (ns).
/// Returns 0, or minus an errno value.
static inline int lrd_perf_read(int fd, uint64_t *value, uint64_t *enabled, uint64_t *running) {
  uint64_t buf[3] = {0, 0, 0};
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n != (ssize_t)sizeof(buf)) return n < 0 ? -errno : -EIO;
  *value = buf[0]; *enabled = buf[1]; *running = buf[2];
  return 0;
}

static inline int lrd_perf_enable(int fd) { return ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0 ? -errno : 0; }
static inline int lrd_perf_disable(int fd) { return ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) < 0 ? -errno : 0; }
static inline int lrd_perf_reset(int fd) { return ioctl(fd, PERF_EVENT_IOC_RESET, 0) < 0 ? -errno : 0; }

static inline uint64_t lrd_perf_sw_task_clock(void) { return PERF_COUNT_SW_TASK_CLOCK; }
static inline uint64_t lrd_perf_sw_cpu_clock(void) { return PERF_COUNT_SW_CPU_CLOCK; }
static inline uint64_t lrd_perf_sw_page_faults(void) { return PERF_COUNT_SW_PAGE_FAULTS; }
static inline uint64_t lrd_perf_sw_minor_faults(void) { return PERF_COUNT_SW_PAGE_FAULTS_MIN; }
static inline uint64_t lrd_perf_sw_major_faults(void) { return PERF_COUNT_SW_PAGE_FAULTS_MAJ; }
static inline uint64_t lrd_perf_sw_context_switches(void) { return PERF_COUNT_SW_CONTEXT_SWITCHES; }
static inline uint64_t lrd_perf_sw_cpu_migrations(void) { return PERF_COUNT_SW_CPU_MIGRATIONS; }

/// The calling thread's kernel thread id.
static inline int lrd_gettid(void) { return (int)syscall(SYS_gettid); }

#endif
