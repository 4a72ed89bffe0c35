/* Avro codec throughput for scripts/bench, in memory (no I/O, no Kafka): NDJSON events
   encoded to Avro and decoded back, next to the JSON work the same tools do without
   Avro. Prints `label<TAB>events<TAB>seconds<TAB>bytes` lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avrobin.h"
#include "json.h"
#include "rec.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *label, size_t n, double s, size_t bytes)
{
	printf("%s\t%zu\t%.6f\t%zu\n", label, n, s, bytes);
}

int main(int argc, char **argv)
{
	struct av_schema a;
	struct av_reader rd;
	struct buf err = BUF_INIT, text = BUF_INIT, out = BUF_INIT, enc = BUF_INIT, why = BUF_INIT;
	struct rec r;
	char chunk[65536];
	size_t k, n = 0, cap = 0, bad = 0;
	size_t *off = NULL, *encoff = NULL;
	if (argc != 3) {
		fprintf(stderr, "usage: avro_codec_bench SCHEMA.avsc EVENTS.ndjson\n");
		return 2;
	}
	av_schema_init(&a);
	if (!av_schema_load_file(&a, argv[1], &err)) {
		fprintf(stderr, "%s: %s\n", argv[1], err.p);
		return 3;
	}
	FILE *f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&text, chunk, k);
	fclose(f);
	for (size_t i = 0, start = 0; i < text.len; i++)
		if (text.p[i] == '\n') {
			if (n + 1 >= cap) {
				cap = cap ? cap * 2 : 1024;
				off = xrealloc(off, cap * sizeof *off);
			}
			off[n++] = start;
			start = i + 1;
		}
	if (!n)
		return 1;
	off[n] = text.len;
	encoff = xmalloc((n + 1) * sizeof *encoff);
	rec_init(&r);
#define LINE(i) (text.p + off[i]), (off[(i) + 1] - off[i] - 1)

	/* the JSON baseline for encoding: what parse -s does per line */
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		out.len = 0;
		if (!rec_parse(&r, LINE(i), &why) ||
			!schema_write_members(&a.s, r.f, r.nf, 0, &out, &why))
			bad++;
	}
	report("json-validate", n, now() - t0, text.len);

	/* encoding: the same validation, then Avro binary, framed */
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		encoff[i] = enc.len;
		av_frame(&enc, 1);
		if (!rec_parse(&r, LINE(i), &why) || !av_encode_members(&a, r.f, r.nf, &enc, &why))
			bad++;
	}
	encoff[n] = enc.len;
	report("avro-encode", n, now() - t0, enc.len);

	/* the JSON baseline for decoding: checking each line as kcons does */
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		struct json_val v;
		if (!json_check(LINE(i), &v, NULL))
			bad++;
	}
	report("json-check", n, now() - t0, text.len);

	/* decoding back to JSON */
	if (!av_reader_init(&rd, &a, NULL, &why))
		return 3;
	size_t outbytes = 0;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		if (out.len > 65536) {
			outbytes += out.len;
			out.len = 0;
		}
		if (!av_decode(&rd, enc.p + encoff[i] + AV_FRAME_LEN,
			encoff[i + 1] - encoff[i] - AV_FRAME_LEN, &out, &why))
			bad++;
		buf_addc(&out, '\n');
	}
	report("avro-decode", n, now() - t0, outbytes + out.len);
	if (bad)
		fprintf(stderr, "avro_codec_bench: %zu failures (bad lines in the input?)\n", bad);
	av_reader_free(&rd);
	av_schema_free(&a);
	rec_free(&r);
	free(off);
	free(encoff);
	buf_free(&err);
	buf_free(&text);
	buf_free(&out);
	buf_free(&enc);
	buf_free(&why);
	return 0;
}
