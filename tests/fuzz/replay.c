// SPDX-License-Identifier: MIT
/* Without libFuzzer: feed every file of a corpus directory to the harness once (TAP). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int n = 0;

	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		struct dirent *e;

		if (!d) {
			printf("not ok 1 - corpus %s missing\n1..1\n", argv[a]);
			return 1;
		}
		while ((e = readdir(d))) {
			char path[4096];
			uint8_t *buf;
			long len;
			FILE *f;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			f = fopen(path, "rb");
			if (!f)
				continue;
			fseek(f, 0, SEEK_END);
			len = ftell(f);
			fseek(f, 0, SEEK_SET);
			buf = malloc(len > 0 ? (size_t)len : 1);
			if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
				LLVMFuzzerTestOneInput(buf, (size_t)len);
				printf("ok %d - %s replayed without a sanitizer report\n", ++n, e->d_name);
			}
			free(buf);
			fclose(f);
		}
		closedir(d);
	}
	printf("1..%d\n", n);
	return n ? 0 : 1;
}
