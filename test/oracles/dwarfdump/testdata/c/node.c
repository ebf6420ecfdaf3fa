/* A C program for DWARF as GCC writes it (DWARF 4 and 5, strp/line_strp/implicit_const
   forms, location and range lists): goprobe's reader must read non-Go DWARF too. */
#include <stdio.h>
#include <stdlib.h>

struct node {
  int v;
  struct node *next;
  const char *name;
  double w;
  unsigned char flags[3];
};
typedef struct node node_t;

__attribute__((noinline)) static int sum(node_t *n, int k) {
  int s = 0;
  for (; n; n = n->next) s += n->v * k;
  return s;
}

__attribute__((noinline)) double weigh(const node_t *n, double scale, long extra) {
  return n->w * scale + (double)extra + n->flags[1];
}

int main(int argc, char **argv) {
  node_t b = {2, 0, "b", 1.5, {1, 2, 3}}, a = {argc, &b, argv[0], 2.5, {4, 5, 6}};
  printf("%d %f\n", sum(&a, atoi(argc > 1 ? argv[1] : "3")), weigh(&a, 2.0, argc));
  return 0;
}
