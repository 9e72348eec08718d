/* A tracee with a known memory layout for the access-layer tests and benchmarks.
 * It maps the regions below, prints "name address" lines on fd 3 (then "end"), and stops itself
 * with SIGSTOP; the tracer reads and writes its memory while it is stopped. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

/* In .text: read-only and executable; the tests write into it with forced access. */
__attribute__((noinline, used)) int text_marker(int x) {
  return x * 3 + 1;
}

static char* map(void* at, size_t len, int prot, int flags) {
  char* p = mmap(at, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  return p;
}

int main(void) {
  FILE* out = fdopen(3, "w");
  if (!out) {
    perror("fd 3");
    return 1;
  }

  /* [page0 rw: 'A'... "ends-at-page-end"][page1 unmapped] */
  char* a = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, 0); /* page1 unmapped at the end */
  memset(a, 'A', PAGE);
  const char* tail = "ends-at-page-end";
  char* str_at_end = a + PAGE - strlen(tail) - 1;
  strcpy(str_at_end, tail); /* its NUL is the last byte before the unmapped page */

  /* [page0 rw: 'U' without NUL][page1 unmapped] */
  char* u = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
  memset(u, 'U', PAGE);

  /* [page0 rw: 'B' without NUL][page1 PROT_NONE holding "hidden"] */
  char* b = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
  memset(b, 'B', PAGE);
  strcpy(b + PAGE, "hidden");
  mprotect(b + PAGE, PAGE, PROT_NONE);

  /* Two adjacent mappings that the kernel cannot merge (different protections would merge on
   * mprotect back, so use a shared one next to a private one). */
  char* c = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, 0);
  char* c2 = mmap(c + 2 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (c2 == MAP_FAILED) {
    perror("mmap shared");
    return 1;
  }
  for (int i = 0; i < 4 * PAGE; ++i) c[i] = (char)(i * 7);

  /* A read-only data mapping. */
  char* ro = map(NULL, PAGE, PROT_READ | PROT_WRITE, 0);
  strcpy(ro, "read-only data");
  mprotect(ro, PAGE, PROT_READ);

  /* 64 scattered 64-byte blocks, one every 3 pages + 100 bytes, byte value = block index. */
  char* s = map(NULL, 64 * 3 * PAGE + PAGE, PROT_READ | PROT_WRITE, 0);
  for (int i = 0; i < 64; ++i) memset(s + i * (3 * PAGE + 100), i, 64);

  /* 1 MiB of a known pattern, for bulk transfers. */
  char* big = map(NULL, 1 << 20, PROT_READ | PROT_WRITE, 0);
  for (int i = 0; i < (1 << 20); ++i) big[i] = (char)(i * 13 + 5);

  /* A 255-byte path-like string followed by its NUL (a 256-byte read). */
  char* path = map(NULL, PAGE, PROT_READ | PROT_WRITE, 0);
  for (int i = 0; i < 255; ++i) path[i] = "/usr/include/x86_64-linux-gnu/"[i % 30];
  path[255] = 0;

  fprintf(out, "page_end_string %p\n", (void*)str_at_end);
  fprintf(out, "unterminated_unmapped %p\n", (void*)u);
  fprintf(out, "unterminated_protnone %p\n", (void*)b);
  fprintf(out, "protnone %p\n", (void*)(b + PAGE));
  fprintf(out, "two_mappings %p\n", (void*)c);
  fprintf(out, "readonly %p\n", (void*)ro);
  fprintf(out, "text %p\n", (void*)&text_marker);
  fprintf(out, "scattered %p\n", (void*)s);
  fprintf(out, "big %p\n", (void*)big);
  fprintf(out, "path %p\n", (void*)path);
  fprintf(out, "unmapped %p\n", (void*)(u + PAGE));
  fprintf(out, "end\n");
  fclose(out);
  /* Punched last: a later mmap would have reused the holes. */
  munmap(a + PAGE, PAGE);
  munmap(u + PAGE, PAGE);

  raise(SIGSTOP); /* the tracer works on us now */
  /* Resumed: print what we see, so tests can check writes through the layer reached us. */
  printf("%s|%d\n", ro, text_marker(1));
  return 0;
}
