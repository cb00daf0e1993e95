// SPDX-License-Identifier: MIT
/*
 * The apply journal: <state_dir>/apply.journal, append-only text, fsync'd after every
 * record, so that a run killed at any point leaves behind exactly what it had done and
 * what every touched value was before. The state directory is locked (flock on
 * apply.lock) for the whole run, so two applies never interleave.
 */
#include "internal.h"
#include "passthru/journal.h"
#include "passthru/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct pt_journal {
	struct pt_ctx *ctx;
	char dir[4096];
	char path[4200];
	int lock_fd;
	int fd;
};

const char *pt_journal_path(const struct pt_journal *j)
{
	return j->path;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int pt_journal_open(struct pt_ctx *ctx, const char *state_dir, int wait_ms, struct pt_journal **out)
{
	struct pt_journal *j = calloc(1, sizeof(*j));
	struct timespec t0, now;
	char lock[4300];
	int r;

	if (!j)
		return pt_err(ctx, -ENOMEM, "out of memory");
	j->ctx = ctx;
	j->fd = -1;
	r = pt_state_dir(ctx, state_dir, true, j->dir, sizeof(j->dir));
	if (r < 0) {
		free(j);
		return r;
	}
	snprintf(j->path, sizeof(j->path), "%s/apply.journal", j->dir);
	snprintf(lock, sizeof(lock), "%s/apply.lock", j->dir);
	/* never through a link: the lock stays where the state directory is */
	j->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (j->lock_fd < 0) {
		r = -errno;
		pt_err(ctx, r, "cannot open %s: %s", lock, strerror(-r));
		free(j);
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (flock(j->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		long ms;

		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = -errno;
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= wait_ms) {
			char pid[32] = "";
			ssize_t n = pread(j->lock_fd, pid, sizeof(pid) - 1, 0);

			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			pt_err(ctx, -EBUSY, "another passthru apply%s%s%s holds %s: waited %d ms; run "
			       "again when it has finished", pid[0] ? " (pid " : "", pid,
			       pid[0] ? ")" : "", lock, wait_ms);
			close(j->lock_fd);
			free(j);
			return -EBUSY;
		}
		usleep(50000);
	}
	if (ftruncate(j->lock_fd, 0) == 0) {
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (pwrite(j->lock_fd, pid, n, 0) != n) {
			/* the pid is only a courtesy for the message above */
		}
	}
	*out = j;
	return 0;
fail:
	pt_err(ctx, r, "cannot lock %s: %s", lock, strerror(-r));
	close(j->lock_fd);
	free(j);
	return r;
}

void pt_journal_close(struct pt_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* releases the flock */
	free(j);
}

/* ---- records --------------------------------------------------------------------- */

static void esc(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c <= ' ' || c == '%' || c == '=' || c == 0x7f) {
			snprintf(out + o, len - o, "%%%02x", c);
			o += 3;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void unesc(const char *in, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (in[i] == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
			out[o++] = (char)(hexval(in[i + 1]) << 4 | hexval(in[i + 2]));
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

static int append(struct pt_journal *j, const char *line)
{
	size_t len = strlen(line), off = 0;

	if (j->fd < 0)
		return pt_err(j->ctx, -EBADF, "the journal %s is not open", j->path);
	while (off < len) {
		ssize_t w = write(j->fd, line + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return pt_err(j->ctx, -errno, "writing the journal %s: %s", j->path, strerror(errno));
		}
		off += (size_t)w;
	}
	if (fdatasync(j->fd) < 0)
		return pt_err(j->ctx, -errno, "syncing the journal %s: %s", j->path, strerror(errno));
	return 0;
}

static void fmt_fn(const struct pt_want_fn *fn, char *buf, size_t len)
{
	char d[200], o[200];

	esc(fn->driver, d, sizeof(d));
	esc(fn->override, o, sizeof(o));
	snprintf(buf, len, "driver=%s has_override=%d override=%s", d, fn->has_override, o);
}

int pt_journal_begin(struct pt_journal *j, const char *boot_id, const char *config, size_t steps,
		     const struct pt_want *prior)
{
	char line[2048], e1[200], e2[800], fn[600], b[PT_BDF_STRLEN];
	int r;

	if (j->fd >= 0)
		close(j->fd);
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return pt_err(j->ctx, -errno, "cannot create the journal %s: %s", j->path, strerror(errno));
	fsync_dir(j->dir);
	esc(boot_id, e1, sizeof(e1));
	esc(config ? config : "", e2, sizeof(e2));
	snprintf(line, sizeof(line), "begin %ld-%d boot=%s pid=%d time=%ld config=%s steps=%zu\n",
		 (long)time(NULL), (int)getpid(), e1, (int)getpid(), (long)time(NULL), e2, steps);
	r = append(j, line);
	for (size_t i = 0; i < prior->n_pfs && !r; i++) {
		const struct pt_want_pf *p = &prior->pfs[i];

		snprintf(line, sizeof(line), "want-pf %s numvfs=%d autoprobe=%d\n",
			 pt_bdf_format(&p->bdf, b), p->numvfs, p->autoprobe);
		r = append(j, line);
		for (size_t k = 0; k < p->n_vfs && !r; k++) {
			const struct pt_want_vf *v = &p->vfs[k];
			const uint8_t *m = v->set.mac;

			fmt_fn(&v->fn, fn, sizeof(fn));
			snprintf(line, sizeof(line),
				 "want-vf %s %d has=%x mac=%02x:%02x:%02x:%02x:%02x:%02x vlan=%d qos=%d "
				 "proto=%d rate=%ld/%ld spoofchk=%d trust=%d link_state=%d query_rss=%d "
				 "%s\n",
				 b, v->vf, v->set.has, m[0], m[1], m[2], m[3], m[4], m[5], v->set.vlan,
				 v->set.qos, v->set.vlan_proto, v->set.min_tx_rate, v->set.max_tx_rate,
				 v->set.spoofchk, v->set.trust, v->set.link_state, v->set.query_rss, fn);
			r = append(j, line);
		}
	}
	for (size_t i = 0; i < prior->n_devs && !r; i++) {
		fmt_fn(&prior->devs[i].fn, fn, sizeof(fn));
		snprintf(line, sizeof(line), "want-dev %s %s\n", pt_bdf_format(&prior->devs[i].bdf, b), fn);
		r = append(j, line);
	}
	for (size_t i = 0; i < prior->n_hps && !r; i++) {
		snprintf(line, sizeof(line), "want-hp node%d size_kb=%ld pages=%ld\n",
			 prior->hps[i].node, prior->hps[i].size_kb, prior->hps[i].pages);
		r = append(j, line);
	}
	return r;
}

int pt_journal_step(struct pt_journal *j, size_t i, const struct pt_action *a)
{
	char line[1024], f[200], t[200], fl[80];

	esc(a->from, f, sizeof(f));
	esc(a->to, t, sizeof(t));
	esc(a->field, fl, sizeof(fl));
	snprintf(line, sizeof(line), "step %zu %s %s vf=%d field=%s from=%s to=%s\n", i,
		 pt_action_kind_str(a->kind), a->device, a->vf, fl, f, t);
	return append(j, line);
}

int pt_journal_record(struct pt_journal *j, const char *word, long i, const char *msg)
{
	char line[1400], m[1200];

	if (msg)
		esc(msg, m, sizeof(m));
	if (i >= 0)
		snprintf(line, sizeof(line), "%s %ld%s%s\n", word, i, msg ? " msg=" : "", msg ? m : "");
	else
		snprintf(line, sizeof(line), "%s%s%s\n", word, msg ? " msg=" : "", msg ? m : "");
	return append(j, line);
}

int pt_journal_finish(struct pt_journal *j)
{
	char last[4300];

	if (j->fd >= 0) {
		close(j->fd);
		j->fd = -1;
	}
	snprintf(last, sizeof(last), "%s.last", j->path);
	if (rename(j->path, last) < 0 && errno != ENOENT)
		return pt_err(j->ctx, -errno, "cannot rename %s to %s: %s", j->path, last, strerror(errno));
	fsync_dir(j->dir);
	return 0;
}

/* ---- reading ------------------------------------------------------------------------ */

/* The value of key=... in a record (the tokens after the first), unescaped. */
static bool field(const char *line, size_t len, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || line[i - 1] == ' ') && i + kl < len && strncmp(line + i, key, kl) == 0 &&
		    line[i + kl] == '=') {
			size_t s = i + kl + 1, e = s;

			while (e < len && line[e] != ' ')
				e++;
			unesc(line + s, e - s, out, outlen);
			return true;
		}
	}
	if (outlen)
		out[0] = '\0';
	return false;
}

static long lfield(const char *line, size_t len, const char *key, long dflt)
{
	char v[64], *end;
	long x;

	if (!field(line, len, key, v, sizeof(v)) || !v[0])
		return dflt;
	x = strtol(v, &end, 0);
	return *end ? dflt : x;
}

static int parse_fn(const char *line, size_t len, struct pt_want_fn *fn)
{
	memset(fn, 0, sizeof(*fn));
	field(line, len, "driver", fn->driver, sizeof(fn->driver));
	field(line, len, "override", fn->override, sizeof(fn->override));
	fn->has_override = lfield(line, len, "has_override", 0) != 0;
	return 0;
}

void pt_journal_info_free(struct pt_journal_info *info)
{
	pt_want_free(&info->prior);
}

int pt_journal_parse(const char *buf, size_t len, struct pt_journal_info *info)
{
	const char *p = buf, *end = buf + len;
	bool begun = false;

	memset(info, 0, sizeof(*info));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *next;
		char line[4096];
		size_t ll, wl;
		char word[32], tok[64];

		if (!nl)
			break; /* a record cut short by a crash never happened */
		ll = (size_t)(nl - p);
		if (ll >= sizeof(line) || memchr(p, '\0', ll))
			goto bad;
		/* the records are parsed from a NUL-terminated copy: buf is not terminated */
		memcpy(line, p, ll);
		line[ll] = '\0';
		next = nl + 1;
		p = line;
		wl = strcspn(p, " \n");
		if (wl >= sizeof(word))
			goto bad;
		memcpy(word, p, wl);
		word[wl] = '\0';
		if (!begun && strcmp(word, "begin") != 0)
			goto bad;
		if (strcmp(word, "begin") == 0) {
			if (begun)
				goto bad;
			begun = true;
			if (sscanf(p + wl, " %63s", tok) != 1)
				goto bad;
			pt_strlcpy(info->run_id, tok, sizeof(info->run_id));
			field(p, ll, "boot", info->boot_id, sizeof(info->boot_id));
			field(p, ll, "config", info->config, sizeof(info->config));
			info->pid = (int)lfield(p, ll, "pid", 0);
			info->steps_total = (size_t)lfield(p, ll, "steps", 0);
		} else if (strcmp(word, "want-pf") == 0) {
			struct pt_want_pf wp = { .snapshot = true };

			if (sscanf(p + wl, " %63s", tok) != 1 || pt_bdf_parse(tok, &wp.bdf) < 0)
				goto bad;
			wp.numvfs = (int)lfield(p, ll, "numvfs", -1);
			wp.autoprobe = (int)lfield(p, ll, "autoprobe", -1);
			if (PT_PUSH(info->prior.pfs, info->prior.n_pfs, wp))
				goto nomem;
		} else if (strcmp(word, "want-vf") == 0) {
			struct pt_want_vf wv = { 0 };
			struct pt_want_pf *wp;
			struct pt_bdf b;
			char v[64];
			int idx;

			if (sscanf(p + wl, " %63s %d", tok, &idx) != 2 || pt_bdf_parse(tok, &b) < 0 ||
			    idx < 0 || !info->prior.n_pfs)
				goto bad;
			wp = &info->prior.pfs[info->prior.n_pfs - 1];
			if (!pt_bdf_eq(&wp->bdf, &b))
				goto bad;
			wv.vf = wv.set.vf = idx;
			if (!field(p, ll, "has", v, sizeof(v)))
				goto bad;
			wv.set.has = (unsigned)strtoul(v, NULL, 16) & PT_VF_ALL_FIELDS;
			if (field(p, ll, "mac", v, sizeof(v)) && pt_parse_mac(v, wv.set.mac) < 0)
				goto bad;
			wv.set.vlan = (int)lfield(p, ll, "vlan", 0);
			wv.set.qos = (int)lfield(p, ll, "qos", 0);
			wv.set.vlan_proto = (int)lfield(p, ll, "proto", 0);
			if (field(p, ll, "rate", v, sizeof(v)) &&
			    sscanf(v, "%ld/%ld", &wv.set.min_tx_rate, &wv.set.max_tx_rate) != 2)
				goto bad;
			wv.set.spoofchk = lfield(p, ll, "spoofchk", 1) != 0;
			wv.set.trust = lfield(p, ll, "trust", 0) != 0;
			wv.set.link_state = (int)lfield(p, ll, "link_state", 0);
			wv.set.query_rss = lfield(p, ll, "query_rss", 0) != 0;
			parse_fn(p, ll, &wv.fn);
			if (PT_PUSH(wp->vfs, wp->n_vfs, wv))
				goto nomem;
		} else if (strcmp(word, "want-dev") == 0) {
			struct pt_want_dev wd = { 0 };

			if (sscanf(p + wl, " %63s", tok) != 1 || pt_bdf_parse(tok, &wd.bdf) < 0)
				goto bad;
			parse_fn(p, ll, &wd.fn);
			if (PT_PUSH(info->prior.devs, info->prior.n_devs, wd))
				goto nomem;
		} else if (strcmp(word, "want-hp") == 0) {
			struct pt_want_hp wh = { 0 };

			if (sscanf(p + wl, " node%d", &wh.node) != 1 || wh.node < 0 || wh.node > 4095)
				goto bad;
			wh.size_kb = lfield(p, ll, "size_kb", -1);
			wh.pages = lfield(p, ll, "pages", -1);
			if (wh.size_kb <= 0 || wh.pages < 0)
				goto bad;
			if (PT_PUSH(info->prior.hps, info->prior.n_hps, wh))
				goto nomem;
		} else if (strcmp(word, "step") == 0) {
			info->steps_started++;
		} else if (strcmp(word, "ok") == 0) {
			info->steps_ok++;
		} else if (strcmp(word, "fail") && strcmp(word, "rollback-begin") &&
			   strcmp(word, "rollback-done") && strcmp(word, "rollback-failed") &&
			   strcmp(word, "done") && strcmp(word, "recovered")) {
			goto bad;
		}
		pt_strlcpy(info->last, word, sizeof(info->last));
		p = next;
	}
	if (!begun)
		goto bad;
	info->incomplete = strcmp(info->last, "done") != 0 && strcmp(info->last, "rollback-done") != 0 &&
			   strcmp(info->last, "recovered") != 0;
	return 0;
bad:
	pt_want_free(&info->prior);
	return -EBADMSG;
nomem:
	pt_want_free(&info->prior);
	return -ENOMEM;
}

int pt_journal_read(struct pt_journal *j, struct pt_journal_info *info)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	memset(info, 0, sizeof(*info));
	{
		int fd = open(j->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

		fd = pt_fd_regular(fd < 0 ? -errno : fd);
		f = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (!f && fd >= 0) {
			r = -errno;
			close(fd);
			fd = r;
		}
		if (!f)
			return fd == -ENOENT ? -ENOENT
					     : pt_err(j->ctx, fd, "cannot read %s: %s", j->path,
						      fd == -EINVAL ? "not a regular file" : strerror(-fd));
	}
	{
		size_t cap = 0;
		char chunk[8192];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			if (len + n > cap) {
				char *nb;

				cap = (len + n) * 2;
				nb = realloc(buf, cap);
				if (!nb) {
					free(buf);
					fclose(f);
					return pt_err(j->ctx, -ENOMEM, "out of memory");
				}
				buf = nb;
			}
			memcpy(buf + len, chunk, n);
			len += n;
		}
	}
	fclose(f);
	r = pt_journal_parse(buf ? buf : "", len, info);
	free(buf);
	if (r == -EBADMSG) {
		char bad[4300];

		snprintf(bad, sizeof(bad), "%s.bad", j->path);
		rename(j->path, bad);
		return pt_err(j->ctx, r, "the journal %s cannot be read; it is kept as %s and "
			      "nothing is undone from it", j->path, bad);
	}
	return r < 0 ? pt_err(j->ctx, r, "reading %s: %s", j->path, strerror(-r)) : 0;
}
