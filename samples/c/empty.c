/*
 * empty.c — does nothing. glibc's startup and exit allocate nothing for it (valgrind:
 * "total heap usage: 0 allocs"), so anything a recording of it holds beyond what
 * valgrind reports is the recorder observing itself.
 */
int main(void) { return 0; }
