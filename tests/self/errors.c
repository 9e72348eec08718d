/* Error cases and defaults: on/off before init, invalid init arguments, a second init, the
 * result of a handler that does nothing (-ENOSYS), errno of the interrupted code preserved,
 * ptvm_self_syscall outside a handler, a handler replaced by a second init. */
#include "self_test.h"

static volatile int quiet_traps, noisy_traps;

static void quiet(int sig, siginfo_t* info, void* ctx) { /* leaves the result alone */
  (void)sig;
  (void)info;
  (void)ctx;
  quiet_traps++;
}

static void noisy(int sig, siginfo_t* info, void* ctx) { /* clobbers errno, performs the call */
  (void)sig;
  noisy_traps++;
  close(-1); /* EBADF in the handler's errno */
  st_regs(ctx)[REG_RAX] = st_perform(info, ctx);
}

int main(int argc, char** argv) {
  int mech = st_parse(argc, argv);
  st_real_ppid = getppid();

  ST_CHECK(ptvm_self_on() == -EPERM);
  ST_CHECK(ptvm_self_off() == -EPERM);
  ST_CHECK(ptvm_self_init(NULL, mech) == -EINVAL);
  ST_CHECK(ptvm_self_init(quiet, 3) == -EINVAL);
  ST_CHECK(ptvm_self_init(quiet, -1) == -EINVAL);
  ST_CHECK(ptvm_self_on() == -EPERM);
  st_say("before init: on and off fail with EPERM, invalid mechanisms with EINVAL\n");

  st_init(quiet, argc, argv);
  int other = mech == PTVM_SELF_SUD ? PTVM_SELF_TRAP : PTVM_SELF_SUD;
  if (mech != PTVM_SELF_ANY) ST_CHECK(ptvm_self_init(quiet, other) == -EBUSY);
  ST_CHECK(ptvm_self_init(quiet, mech) == 0);
  ST_CHECK(ptvm_self_init(quiet, PTVM_SELF_ANY) == 0);
  st_say("a second init: EBUSY for another mechanism, fine for the same one\n");

  ST_CHECK(ptvm_self_on() == 0);
  long r = syscall(SYS_getppid);
  int err = errno;
  ST_CHECK(quiet_traps == 1 && r == -1 && err == ENOSYS);
  st_say("a handler that sets no result: the call fails with %s\n", strerror(err));

  ST_CHECK(ptvm_self_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0) == st_real_ppid);
  ST_CHECK(ptvm_self_syscall(SYS_close, -1, 0, 0, 0, 0, 0) == -EBADF);
  st_say("ptvm_self_syscall outside a handler: a plain system call\n");

  ST_CHECK(ptvm_self_init(noisy, mech) == 0);
  errno = 1234;
  ST_CHECK(ptvm_self_on() == 0);
  r = getppid();
  err = errno;
  ST_CHECK(noisy_traps == 1 && quiet_traps == 1);
  ST_CHECK(r == st_real_ppid && err == 1234);
  st_say("the replaced handler ran; errno of the interrupted code preserved (%d)\n", err);

  ST_CHECK(ptvm_self_on() == 0);
  ST_CHECK(ptvm_self_off() == 0);
  ST_CHECK(getppid() == st_real_ppid && noisy_traps == 1);
  st_say("off after on: the next call is not trapped\n");

  if (st_failures != 0) {
    st_say("%d check(s) failed\n", st_failures);
    return 1;
  }
  return 0;
}
