/*
 * replay.c - run a fuzz target over every file of a corpus directory, without
 * libFuzzer, so that `make fuzz-replay` (and the sanitizer build) replays the
 * seed corpus and every crash input once committed there.
 *
 *   usage: <target>-replay <corpus directory>
 * Exit 0 when every file ran; 1 when the directory or a file cannot be read.
 * A bug found by a target aborts the process (non-zero status).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;
	size_t got;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	/* one byte more, so that an empty file is not a NULL buffer */
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(f);
		return -1;
	}
	got = fread(buf, 1, (size_t)n, f);
	fclose(f);
	if (got != (size_t)n) {
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	int files = 0, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
		return 1;
	}
	d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "%s: cannot open %s\n", argv[0], argv[1]);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name) >=
		    (int)sizeof path)
			continue;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path) != 0) {
			fprintf(stderr, "%s: cannot read %s\n", argv[0], path);
			bad = 1;
			continue;
		}
		files++;
	}
	closedir(d);
	printf("%s: %d inputs replayed from %s\n", argv[0], files, argv[1]);
	return bad;
}
