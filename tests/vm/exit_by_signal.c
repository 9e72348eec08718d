/* Dies of SIGTERM: ptvm must die of it too (a shell sees 143). */
#include <signal.h>
#include <stdio.h>
int main(void) {
  printf("about to die\n");
  fflush(stdout);
  raise(SIGTERM);
  return 0;
}
