// PAPI: hardware and software performance counters. Imported only by the Profiling module.
#ifndef LRD_CPAPI_SHIM_H
#define LRD_CPAPI_SHIM_H

#include <papi.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/// PAPI_VER_CURRENT is a function-like macro expression; Swift cannot import it.
static inline int lrd_papi_ver_current(void) { return PAPI_VER_CURRENT; }
/// The PAPI version the headers describe, as major.minor.revision.increment packed like PAPI_VERSION.
static inline int lrd_papi_header_version(void) { return PAPI_VERSION; }
static inline int lrd_papi_version_major(int v) { return PAPI_VERSION_MAJOR(v); }
static inline int lrd_papi_version_minor(int v) { return PAPI_VERSION_MINOR(v); }
static inline int lrd_papi_version_revision(int v) { return PAPI_VERSION_REVISION(v); }
static inline int lrd_papi_version_increment(int v) { return PAPI_VERSION_INCREMENT(v); }
static inline int lrd_papi_null(void) { return PAPI_NULL; }

/// Registers pthread_self as PAPI's thread-id function, so PAPI may be called from any thread.
static inline int lrd_papi_thread_init(void) {
  return PAPI_thread_init((unsigned long (*)(void))pthread_self);
}
static inline int lrd_papi_native_mask(void) { return (int)PAPI_NATIVE_MASK; }
static inline int lrd_papi_preset_mask(void) { return (int)PAPI_PRESET_MASK; }

/// Copies the name of the preset after `*code` (PAPI_ENUM_FIRST when `first`) into `name`; updates
/// `*code`. Returns PAPI_OK while there is one.
static inline int lrd_papi_next_preset(int *code, int first, char *name, int len) {
  int rc = PAPI_enum_event(code, first ? PAPI_ENUM_FIRST : PAPI_ENUM_EVENTS);
  if (rc != PAPI_OK) return rc;
  char buffer[PAPI_MAX_STR_LEN];
  rc = PAPI_event_code_to_name(*code, buffer);
  if (rc == PAPI_OK) snprintf(name, (size_t)len, "%s", buffer);
  return rc;
}

/// Redirects stderr to /dev/null (returns the saved descriptor) or restores it: PAPI's components
/// print diagnostics there that would otherwise reach the user's terminal.
static inline int lrd_silence_stderr(void) {
  fflush(stderr);
  int saved = dup(2);
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) { dup2(null, 2); close(null); }
  return saved;
}
static inline void lrd_restore_stderr(int saved) {
  fflush(stderr);
  if (saved >= 0) { dup2(saved, 2); close(saved); }
}

/// Copies a component's name and disabled reason (fixed-size char arrays in PAPI_component_info_t).
static inline int lrd_papi_component(int cid, char *name, int name_len, char *reason, int reason_len) {
  const PAPI_component_info_t *info = PAPI_get_component_info(cid);
  if (info == NULL) return PAPI_ENOCMP;
  snprintf(name, (size_t)name_len, "%s", info->name);
  snprintf(reason, (size_t)reason_len, "%s", info->disabled_reason);
  return info->disabled;
}

/// Copies the CPU model and virtualisation vendor strings of PAPI_get_hardware_info().
/// Returns 1 when PAPI says it runs in a virtual machine, 0 when not, -1 when no info is available.
static inline int lrd_papi_hardware(char *model, int model_len, char *vm_vendor, int vm_len) {
  const PAPI_hw_info_t *hw = PAPI_get_hardware_info();
  if (hw == NULL) return -1;
  snprintf(model, (size_t)model_len, "%s", hw->model_string);
  snprintf(vm_vendor, (size_t)vm_len, "%s", hw->virtual_vendor_string);
  return hw->virtualized ? 1 : 0;
}

/// Copies an event's short description. Returns PAPI_OK or an error code.
static inline int lrd_papi_event_description(int code, char *out, int len) {
  PAPI_event_info_t info;
  int rc = PAPI_get_event_info(code, &info);
  if (rc != PAPI_OK) return rc;
  snprintf(out, (size_t)len, "%s", info.short_descr[0] ? info.short_descr : info.long_descr);
  return PAPI_OK;
}

#endif
