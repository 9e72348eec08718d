/* Three uname calls in one process, their results on one line (for inject.sh's when= case). */
#include <stdio.h>
#include <sys/utsname.h>
int main(void) {
  struct utsname u;
  for (int i = 0; i < 3; ++i) printf("%d ", uname(&u));
  printf("\n");
  return 0;
}
