/*
 * replay.c - main() for a harness built without libFuzzer: run every file
 * named on the command line, or every file of a named folder, through
 * LLVMFuzzerTestOneInput(). Used by the ctest corpus replays (gcc, and
 * gcc with ASan/UBSan), so CI needs no clang.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f) {
		perror(path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc(n > 0 ? (size_t)n : 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int i, files = 0, bad = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct stat st;
		struct dirent *de;
		DIR *d;
		char **names = NULL;
		size_t n = 0, j;

		if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			bad += run_file(argv[i]) < 0;
			files++;
			continue;
		}
		d = opendir(argv[i]);
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			if (!names)
				abort();
			names[n] =
			    malloc(strlen(argv[i]) + strlen(de->d_name) + 2);
			sprintf(names[n], "%s/%s", argv[i], de->d_name);
			n++;
		}
		if (d)
			closedir(d);
		if (n)
			qsort(names, n, sizeof(*names), cmp);
		for (j = 0; j < n; j++) {
			if (getenv("FUZZ_REPLAY_VERBOSE"))
				fprintf(stderr, "%s\n", names[j]);
			bad += run_file(names[j]) < 0;
			files++;
			free(names[j]);
		}
		free(names);
	}
	printf("%d inputs replayed, %d unreadable\n", files, bad);
	return bad || files == 0;
}
