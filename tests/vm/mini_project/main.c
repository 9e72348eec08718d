#include <stdio.h>
#include "common.h"
int main(void) {
  printf("%s %d\n", greet(), sum(100));
  return 0;
}
