// SPDX-License-Identifier: MIT
/*
 * The sysroot seam on a hostile tree, once with openat2(RESOLVE_IN_ROOT) and once with
 * the component-by-component walk (PASSTHRU_RESOLVE=walk): sysfs's relative links
 * still resolve, absolute links resolve inside the tree, ".." stops at the root, link
 * loops end, FIFOs are refused without blocking, writes never follow a final link.
 */
#include "passthru/passthru.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], outside[300];

static void put(const char *rel, const char *content)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0755);
}

static void ln(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0)
		perror(p);
}

static void build_tree(void)
{
	char t[512];

	mk("sys");
	mk("sys/devices");
	mk("sys/devices/pci0000:00");
	mk("sys/devices/pci0000:00/0000:00:01.0");
	put("sys/devices/pci0000:00/0000:00:01.0/vendor", "0x8086\n");
	put("sys/devices/pci0000:00/0000:00:01.0/driver_override", "(null)\n");
	mk("sys/bus");
	mk("sys/bus/pci");
	mk("sys/bus/pci/devices");
	ln("../../../devices/pci0000:00/0000:00:01.0", "sys/bus/pci/devices/0000:00:01.0");
	mk("etc");
	put("etc/secret", "inside\n");
	/* links that would leave the tree on the host */
	snprintf(t, sizeof(t), "%s", outside);
	ln(t, "abs-out");                              /* absolute: the host's file */
	ln("/etc/secret", "abs-in");                   /* absolute: resolves in the tree */
	ln("../../../../../../../../etc/secret", "sys/dotdot"); /* climbs past the root */
	ln("loop-b", "loop-a");
	ln("loop-a", "loop-b");
	ln(t, "sys/devices/pci0000:00/0000:00:01.0/reset");      /* a written attribute */
	snprintf(t, sizeof(t), "%s/fifo", root);
	mkfifo(t, 0600);
}

static void run(const char *mode)
{
	struct pt_ctx *ctx;
	char buf[256];
	int r;

	if (strcmp(mode, "walk") == 0)
		setenv("PASSTHRU_RESOLVE", "walk", 1);
	else
		unsetenv("PASSTHRU_RESOLVE");
	if (!ok(pt_ctx_new(&ctx, root) == 0, "%s: context on the tree", mode))
		return;
	r = pt_read_attr(ctx, buf, sizeof(buf), "/sys/bus/pci/devices/0000:00:01.0/vendor");
	ok(r > 0 && strcmp(buf, "0x8086") == 0, "%s: sysfs's relative bus link resolves (%s)", mode,
	   buf);
	r = pt_read_attr(ctx, buf, sizeof(buf), "/abs-in");
	ok(r > 0 && strcmp(buf, "inside") == 0, "%s: an absolute link resolves inside the tree",
	   mode);
	r = pt_read_attr(ctx, buf, sizeof(buf), "/sys/dotdot");
	ok(r > 0 && strcmp(buf, "inside") == 0, "%s: \"..\" past the root stops at the root",
	   mode);
	r = pt_read_attr(ctx, buf, sizeof(buf), "/../../../../%s", outside + 1);
	is_int(r, -ENOENT, "%s: a path climbing out finds nothing of the host", mode);
	r = pt_read_attr(ctx, buf, sizeof(buf), "/abs-out");
	is_int(r, -ENOENT, "%s: a link to the host's file finds nothing", mode);
	r = pt_read_attr(ctx, buf, sizeof(buf), "/loop-a");
	is_int(r, -ELOOP, "%s: a link loop ends with ELOOP", mode);
	alarm(10);
	r = pt_read_attr(ctx, buf, sizeof(buf), "/fifo");
	alarm(0);
	is_int(r, -EINVAL, "%s: a FIFO is refused, without blocking", mode);
	r = pt_readlink(ctx, buf, sizeof(buf), "/sys/bus/pci/devices/0000:00:01.0");
	ok(r > 0 && strstr(buf, "pci0000:00"), "%s: readlink reads the link itself", mode);
	ok(pt_exists(ctx, "/sys/bus/pci/devices/0000:00:01.0/vendor"), "%s: exists, through links",
	   mode);
	ok(!pt_exists(ctx, "/abs-out"), "%s: the host's file does not exist in the tree", mode);

	r = pt_write_attr(ctx, "1", 0, "/sys/devices/pci0000:00/0000:00:01.0/reset");
	is_int(r, -ELOOP, "%s: a write to a link is refused", mode);
	ok(strstr(pt_ctx_error(ctx), "symbolic link") != NULL, "%s: ... saying so: %s", mode,
	   pt_ctx_error(ctx));
	r = pt_write_attr(ctx, "1", 2000, "/sys/devices/pci0000:00/0000:00:01.0/reset");
	is_int(r, -ELOOP, "%s: also by the forked, timed write", mode);
	r = pt_write_attr(ctx, "x", 2000, "/fifo");
	is_int(r, -EINVAL, "%s: a write to a FIFO is refused", mode);
	r = pt_write_attr(ctx, "vfio-pci", 0,
			  "/sys/bus/pci/devices/0000:00:01.0/driver_override");
	is_int(r, 0, "%s: a write to a regular attribute through the bus link works", mode);
	r = pt_read_attr(ctx, buf, sizeof(buf), "/sys/devices/pci0000:00/0000:00:01.0/driver_override");
	ok(r > 0 && strcmp(buf, "vfio-pci") == 0, "%s: ... and landed in the tree", mode);
	pt_ctx_free(ctx);
}

int main(void)
{
	char buf[64] = "";
	FILE *f;

	snprintf(root, sizeof(root), "%s/pt-sysroot-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		printf("not ok 1 - temp dir\n1..1\n");
		return 1;
	}
	snprintf(outside, sizeof(outside), "%s.outside", root);
	f = fopen(outside, "w");
	if (f) {
		fputs("untouched\n", f);
		fclose(f);
	}
	build_tree();
	run("openat2");
	run("walk");
	f = fopen(outside, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	is_str(buf, "untouched\n", "the file outside the tree was never written");
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", root);
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
