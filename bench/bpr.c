/*
 * The BPR ceiling for bench/mf.ts: the same loop as @decoy/models' bprSgdRange plus the uniform
 * negative draw with exact exclusion, in plain C. bench/mf.ts writes the data file (CSR, the
 * shuffled pair order, the xoshiro128+ state, the initial factors) so both sides walk the same
 * pairs and draw the same negatives.
 *
 * Build: gcc -O3 -march=native -o bpr bpr.c -lm      Run: ./bpr data.bin
 * Prints: "<updates> <cpu seconds> <checksum of the user factors>".
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint32_t s[4];

static inline uint32_t next(void) {
  const uint32_t s0 = s[0], s1 = s[1], s2 = s[2] ^ s0, s3 = s[3] ^ s1;
  const uint32_t result = s0 + s[3];
  s[0] = s0 ^ s3;
  s[1] = s1 ^ s2;
  s[2] = s2 ^ (s1 << 9);
  s[3] = (s3 << 11) | (s3 >> 21);
  return result;
}

/* Same double arithmetic as prngBelow in @decoy/core, so both sides draw identical items. */
static inline int32_t below(int32_t n) { return (int32_t)floor((double)next() * 2.3283064365386963e-10 * (double)n); }

static int contains(const int32_t *a, int32_t lo, int32_t hi, int32_t v) {
  hi -= 1;
  while (lo <= hi) {
    int32_t mid = (int32_t)(((uint32_t)lo + (uint32_t)hi) >> 1);
    int32_t x = a[mid];
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return 1;
  }
  return 0;
}

static void *readn(FILE *f, size_t bytes) {
  void *p = malloc(bytes);
  if (!p || fread(p, 1, bytes, f) != bytes) {
    fprintf(stderr, "bpr: short read\n");
    exit(1);
  }
  return p;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bpr data.bin\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  int32_t hdr[5]; /* numUsers, numItems, nnz, dim, batch */
  if (fread(hdr, 4, 5, f) != 5) return 1;
  const int32_t numUsers = hdr[0], numItems = hdr[1], nnz = hdr[2], dim = hdr[3];
  float hp[2]; /* lr, l2 */
  if (fread(hp, 4, 2, f) != 2) return 1;
  if (fread(s, 4, 4, f) != 4) return 1;
  int32_t *indptr = readn(f, 4 * (size_t)(numUsers + 1));
  int32_t *items = readn(f, 4 * (size_t)nnz);
  int32_t *pairUser = readn(f, 4 * (size_t)nnz);
  int32_t *order = readn(f, 4 * (size_t)nnz);
  float *P = readn(f, 4 * (size_t)numUsers * dim);
  float *Q = readn(f, 4 * (size_t)numItems * dim);
  fclose(f);
  const float lr = hp[0], l2 = hp[1];

  struct timespec t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  long updates = 0;
  double loss = 0;
  for (int32_t p = 0; p < nnz; p++) {
    const int32_t e = order[p];
    const int32_t u = pairUser[e], i = items[e];
    const int32_t a = indptr[u], b = indptr[u + 1];
    int32_t j = below(numItems);
    while (contains(items, a, b, j)) j = below(numItems);
    float *pu = P + (size_t)u * dim, *qi = Q + (size_t)i * dim, *qj = Q + (size_t)j * dim;
    float x = 0;
    for (int32_t k = 0; k < dim; k++) x += pu[k] * (qi[k] - qj[k]);
    const float c = 1.0f / (1.0f + expf(x));
    loss += log1pf(expf(-x));
    for (int32_t k = 0; k < dim; k++) {
      const float wu = pu[k], wi = qi[k], wj = qj[k];
      pu[k] = wu + lr * (c * (wi - wj) - l2 * wu);
      qi[k] = wi + lr * (c * wu - l2 * wi);
      qj[k] = wj - lr * (c * wu + l2 * wj);
    }
    updates++;
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  double sum = 0;
  for (size_t k = 0; k < (size_t)numUsers * dim; k++) sum += P[k];
  printf("%ld %.6f %.6f %.6f\n", updates, secs, sum, loss / (double)updates);
  return 0;
}
