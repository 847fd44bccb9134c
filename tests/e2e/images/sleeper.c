/* The e2e test image: a static binary that says it started, then sleeps until SIGTERM/SIGINT.
 * No libc beyond what -static links in, no shell, no busybox: the image is one file. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop = 0;

static void onSignal(int sig) {
  (void)sig;
  stop = 1;
}

int main(int argc, char** argv) {
  signal(SIGTERM, onSignal);
  signal(SIGINT, onSignal);
  printf("berth-e2e sleeper up%s%s\n", argc > 1 ? ": " : "", argc > 1 ? argv[1] : "");
  fflush(stdout);
  while (!stop) pause();
  printf("berth-e2e sleeper stopping\n");
  return 0;
}
