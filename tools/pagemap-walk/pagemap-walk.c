// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap-walk: show how a process's virtual pages map to physical frames.
 *
 *   pagemap-walk [-p PID] [--json] [--summary] [--levels] [--plot FILE.svg]
 *                [RANGE | MAPPING]...
 *   pagemap-walk --demo 4k|1g [--json] [--plot FILE.svg]
 *
 * RANGE is START-END or START+LENGTH (hex with 0x, else decimal, with an
 * optional K, M or G suffix); MAPPING is a name as /proc/PID/maps shows it
 * ([heap], [stack], a path, or a file's base name). With neither, every
 * mapping of the process is walked; pages asked for twice are walked once.
 * Runs of pages that are virtually and physically consecutive with the same
 * flags are printed as one line. The zero-page, thp and hugetlb flags are
 * the page's own (/proc/kpageflags), shown only where that file is readable.
 * With --levels, where the kernel offers its own walk (CONFIG_PTWALK_DEBUGFS),
 * each line is followed by the kernel's walk of its first page. With --plot,
 * the lines with a frame are also drawn, physical against virtual address.
 *
 * Output is all or nothing: on an error nothing is written to stdout, one
 * line to stderr. Exit status: 0 on success, 2 on bad input or a process or
 * file that cannot be read, 1 on anything else (a process that exits during
 * the walk, a failed write).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../selftests/kernel_walk.h"
#include "pagemap-walk.h"

static const char *prog = "pagemap-walk";

/*
 * Say why on one line of stderr and exit with @status. A control character
 * in the message (a newline in an argument, say) is written as \xNN.
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	char msg[1024];
	const char *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: ", prog);
	for (c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			fprintf(stderr, "\\x%02x", (unsigned char)*c);
		else
			fputc(*c, stderr);
	fputc('\n', stderr);
	exit(status);
}

struct options {
	pid_t pid;		/* 0: this process */
	bool json, quiet, levels;
	const char *demo;
	const char *plot;	/* an SVG file to draw the walk in, or NULL */
};

/* A process ID: decimal, 1 to INT_MAX, nothing else. */
static pid_t parse_pid(const char *arg)
{
	char *stop;
	long long v;

	errno = 0;
	v = strtoll(arg, &stop, 10);
	if (errno || stop == arg || *stop || v <= 0 || v > INT_MAX ||
	    arg[0] == '+' || arg[0] == ' ')
		die(2, "'%s' is not a process ID", arg);
	return (pid_t)v;
}

/*
 * A number in [@str, @end): hex after 0x, else decimal (a leading 0 is not
 * octal), with an optional K, M or G suffix.
 */
static bool parse_size(const char *str, const char *end, uintptr_t *val)
{
	bool hex = str[0] == '0' && (str[1] == 'x' || str[1] == 'X');
	unsigned long long v;
	int shift = 0;
	char *stop;

	if (!strchr("0123456789", str[0]) || (hex && !str[2]))
		return false;
	errno = 0;
	v = strtoull(str, &stop, hex ? 16 : 10);
	if (errno || stop == str)
		return false;
	switch (*stop) {
	case 'K': case 'k': shift = 10; stop++; break;
	case 'M': case 'm': shift = 20; stop++; break;
	case 'G': case 'g': shift = 30; stop++; break;
	default: break;
	}
	if (v > (UINTPTR_MAX >> shift))
		return false;
	*val = (uintptr_t)(v << shift);
	return stop == end;
}

/* START-END or START+LENGTH, page-aligned outwards; false if not a range. */
static bool parse_range(const char *arg, size_t ps, uintptr_t *start,
			uintptr_t *end)
{
	const char *sep = strpbrk(arg + 1, "-+");
	uintptr_t a, b;

	if (!sep || !parse_size(arg, sep, &a) ||
	    !parse_size(sep + 1, arg + strlen(arg), &b))
		return false;
	if (*sep == '+') {
		if (b > UINTPTR_MAX - a)
			return false;
		b = a + b;
	}
	if (b <= a || b > UINTPTR_MAX - ps)
		return false;
	*start = a & ~(ps - 1);
	*end = (b + ps - 1) & ~(ps - 1);
	return true;
}

static void __attribute__((noreturn)) usage(void)
{
	printf("usage: %s [-p PID] [--json] [--summary] [--levels] [--plot FILE.svg]\n"
	       "                    [RANGE | MAPPING]...\n"
	       "       %s --demo 4k|1g [--json] [--plot FILE.svg]\n"
	       "RANGE: START-END or START+LENGTH (0x hex or decimal, K/M/G suffixes)\n"
	       "MAPPING: as in /proc/PID/maps: [heap], [stack], a path or file name\n"
	       "--summary: no table, only the summary\n"
	       "--levels: under each line, the kernel's page-table walk of its first page\n"
	       "          (/sys/kernel/debug/ptwalk/walk: CONFIG_PTWALK_DEBUGFS, root)\n"
	       "--plot: draw the lines with a frame in FILE.svg, PA against VA\n",
	       prog, prog);
	if (fflush(stdout) || ferror(stdout))
		die(1, "writing the usage failed: %s", strerror(errno));
	exit(0);
}

/*
 * The option getopt_long() stopped at: -X for a short one (which may sit in
 * a cluster such as -zj), else the argument it read, up to any '='.
 */
static const char *option_name(char **argv, int opt)
{
	static char name[64];

	if (opt)
		snprintf(name, sizeof(name), "-%c", opt);
	else
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(argv[optind - 1], "="),
			 argv[optind - 1]);
	return name;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "summary", no_argument, NULL, 's' },
		{ "demo", required_argument, NULL, 'd' },
		{ "levels", no_argument, NULL, 'l' },
		{ "plot", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:jsd:lP:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->pid = parse_pid(optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			o->quiet = true;
			break;
		case 'd':
			o->demo = optarg;
			break;
		case 'l':
			o->levels = true;
			break;
		case 'P':
			o->plot = optarg;
			break;
		case 'h':
			usage();
		case ':':
			die(2, "option '%s' needs an argument (--help shows the usage)",
			    option_name(argv, optopt));
		default:
			die(2, "unknown option '%s' (--help shows the usage)",
			    option_name(argv, optopt));
		}
	}
	return optind;
}

/* The ranges the arguments ask for: every mapping if none. */
static void wanted_ranges(char **args, int n, const struct pw_maps *maps,
			  size_t ps, pid_t pid, struct pw_ranges *wanted)
{
	uintptr_t start, end;
	size_t j, found;
	int i, ret = 0;

	for (j = 0; !n && !ret && j < maps->n; j++)
		ret = pw_ranges_add(wanted, maps->v[j].start, maps->v[j].end);
	for (i = 0; i < n && !ret; i++) {
		bool range = parse_range(args[i], ps, &start, &end);

		for (j = found = 0; j < maps->n; j++)
			found += pw_mapping_named(&maps->v[j], args[i]);
		if (range && found)
			die(2, "'%s' is both a range and the name of a mapping: name the mapping by its path",
			    args[i]);
		if (range) {
			for (j = 0; j < maps->n; j++)
				found += maps->v[j].start < end && maps->v[j].end > start;
			if (!found)
				die(2, "%s covers no mapping of process %d", args[i], (int)pid);
			ret = pw_ranges_add(wanted, start, end);
			continue;
		}
		for (j = 0; j < maps->n && !ret; j++)
			if (pw_mapping_named(&maps->v[j], args[i]))
				ret = pw_ranges_add(wanted, maps->v[j].start,
						    maps->v[j].end);
		if (!found && strchr("0123456789", args[i][0]))
			die(2, "'%s' is not a range (START-END or START+LENGTH, END > START) nor a mapping's name",
			    args[i]);
		if (!found)
			die(2, "no mapping named '%s' in /proc/%d/maps", args[i],
			    (int)pid);
	}
	if (ret)
		die(1, "%s", strerror(-ret));
	pw_ranges_merge(wanted);
}

/* Append @name to the list @buf of mappings left out. */
static void note_not_walked(char *buf, size_t len, const char *name)
{
	size_t used = strlen(buf);

	if (!strstr(buf, name))
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

/* The end of the run of adjacent mappings that mapping @i starts. */
static uintptr_t adjacent_end(const struct pw_maps *maps, size_t i)
{
	while (i + 1 < maps->n && maps->v[i + 1].start == maps->v[i].end)
		i++;
	return maps->v[i].end;
}

/*
 * Walk the parts of the mappings that @wanted covers, in address order
 * (both are sorted: one pass over each). Each walk may read ahead to the
 * end of the wanted part of the adjacent mappings. Returns 0 or -errno.
 */
static int walk_wanted(struct pw_source *src, const struct pw_maps *maps,
		       const struct pw_ranges *wanted, struct pw_report *rep,
		       char *not_walked, size_t len)
{
	uintptr_t run_end = 0;
	size_t i, j = 0, k;
	int ret;

	for (i = 0; i < maps->n; i++) {
		const struct pw_mapping *m = &maps->v[i];
		bool header = false;

		if (m->start >= run_end)
			run_end = adjacent_end(maps, i);

		while (j < wanted->n && wanted->v[j].end <= m->start)
			j++;
		for (k = j; k < wanted->n && wanted->v[k].start < m->end; k++) {
			uintptr_t a = wanted->v[k].start > m->start ? wanted->v[k].start : m->start;
			uintptr_t b = wanted->v[k].end < m->end ? wanted->v[k].end : m->end;

			if (!pw_in_pagemap(src, a)) {
				note_not_walked(not_walked, len, m->name);
				break;
			}
			if (!header)
				pw_report_mapping(rep, m);
			header = true;
			ret = pw_walk_range(src, a, b,
					    wanted->v[k].end < run_end ? wanted->v[k].end : run_end,
					    rep);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * The output, held in memory until the walk has succeeded: a stream whose
 * buffer grows by doubling (open_memstream() zeroes all it grows by).
 */
struct held {
	char *buf;
	size_t len, cap;
};

static ssize_t held_write(void *cookie, const char *data, size_t n)
{
	struct held *h = cookie;
	size_t cap = h->cap ? h->cap : 1 << 16;
	char *buf;

	while (cap - h->len < n)
		cap *= 2;
	if (cap != h->cap) {
		buf = realloc(h->buf, cap);
		if (!buf) {
			errno = ENOMEM;
			return -1;
		}
		h->buf = buf;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, data, n);
	h->len += n;
	return n;
}

static FILE *held_open(struct held *h)
{
	static const cookie_io_functions_t io = { .write = held_write };
	FILE *f;

	memset(h, 0, sizeof(*h));
	f = fopencookie(h, "w", io);
	if (!f)
		die(1, "%s", strerror(errno));
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	return f;
}

/* Write what @out held to stdout. Returns 0 or -errno (-EIO: holding it). */
static int emit(FILE *out, struct held *h)
{
	int err = 0;

	if (fclose(out))
		err = errno ? errno : EIO;
	else if (fwrite(h->buf, 1, h->len, stdout) != h->len || fflush(stdout))
		err = errno ? errno : EIO;
	free(h->buf);
	return -err;
}

/*
 * The picture, written beside its file and renamed over it only once the
 * table is out (plot_commit()): the file is replaced whole or not at all.
 */
struct plot_file {
	char path[PATH_MAX];	/* the regular file --plot names, links followed */
	char tmp[PATH_MAX + 8];
};

/*
 * Write @len bytes of @buf to a temporary file beside the regular file
 * @path names (through symbolic links), with that file's mode, or a new
 * file's (0666 & ~umask). Anything but a regular file or a new name (a
 * device, a pipe, a directory, a dangling link) is refused with -EINVAL.
 * Returns 0 or -errno.
 */
static int plot_prepare(struct plot_file *pf, const char *path, const char *buf,
			size_t len)
{
	struct stat st;
	mode_t mode;
	int fd, err = 0;

	if (!stat(path, &st)) {
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		if (!realpath(path, pf->path))
			return -errno;
		mode = st.st_mode & 07777;
	} else if (errno == ENOENT && lstat(path, &st)) {
		if (snprintf(pf->path, sizeof(pf->path), "%s", path) >= (int)sizeof(pf->path))
			return -ENAMETOOLONG;
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	} else {
		return errno == ENOENT ? -EINVAL : -errno;
	}
	snprintf(pf->tmp, sizeof(pf->tmp), "%s.XXXXXX", pf->path);
	fd = mkstemp(pf->tmp);
	if (fd < 0)
		return -errno;
	while (len && !err) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0) {
			err = n ? errno : EIO;
		} else {
			buf += n;
			len -= n;
		}
	}
	if (!err && fchmod(fd, mode))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (err)
		unlink(pf->tmp);
	return -err;
}

static int plot_commit(struct plot_file *pf)
{
	int err = rename(pf->tmp, pf->path) ? errno : 0;

	if (err)
		unlink(pf->tmp);
	return -err;
}

/* Draw @plot, to be renamed over @path by plot_commit(); die if it cannot be. */
static void plot_prepare_or_die(struct plot_file *pf, const struct pw_plot *plot,
				const char *path, const char *title)
{
	struct held held;
	FILE *out;
	int ret;

	if (plot->error)
		die(1, "--plot: %s", strerror(-plot->error));
	out = held_open(&held);
	pw_plot_write(plot, out, title);
	if (fclose(out))
		die(1, "--plot: %s", strerror(errno));
	ret = plot_prepare(pf, path, held.buf, held.len);
	free(held.buf);
	if (ret == -EINVAL)
		die(2, "--plot %s: not a regular file, or a new name for one", path);
	if (ret)
		die(1, "cannot write %s: %s", path, strerror(-ret));
}

/*
 * The table to stdout, then the picture (if @pf) into place: on a failure,
 * nothing of either, and one line. The table written, a failed rename of
 * the picture is the one failure that leaves output behind.
 */
static void finish(FILE *out, struct held *held, struct plot_file *pf)
{
	int ret = emit(out, held);

	if (ret) {
		if (pf)
			unlink(pf->tmp);
		die(1, "writing the output failed: %s", strerror(-ret));
	}
	ret = pf ? plot_commit(pf) : 0;
	if (ret)
		die(1, "cannot write %s: %s", pf->path, strerror(-ret));
}

static void run_demo(const struct options *o, int nargs)
{
	struct pw_plot plot = { .page_size = (size_t)sysconf(_SC_PAGESIZE) };
	struct plot_file pf;
	char title[64];
	struct held held;
	FILE *out;
	int ret;

	if (o->pid || nargs || o->quiet || o->levels)
		die(2, "--demo walks itself: it takes no -p, --summary, --levels, range or mapping");
	out = held_open(&held);
	ret = pw_demo(o->demo, o->json, out, o->plot ? &plot : NULL);
	if (ret == -EINVAL)
		die(2, "--demo takes 4k or 1g, not '%s'", o->demo);
	if (ret)
		die(1, "--demo %s failed: %s", o->demo, strerror(-ret));
	if (o->plot) {
		snprintf(title, sizeof(title), "pagemap-walk --demo %s", o->demo);
		plot_prepare_or_die(&pf, &plot, o->plot, title);
		pw_plot_free(&plot);
	}
	finish(out, &held, o->plot ? &pf : NULL);
}

static void open_source(struct pw_source *src, pid_t pid, struct pw_maps *maps)
{
	int ret = pw_source_open(src, pid);

	if (ret == -ENOENT)
		die(2, "no process with ID %d", (int)pid);
	if (ret == -ESRCH)
		die(2, "process %d has no address space (it has exited, or is a kernel thread)",
		    (int)pid);
	if (ret == -EACCES || ret == -EPERM)
		die(2, "no permission to read /proc/%d/pagemap (another user's process needs ptrace access)",
		    (int)pid);
	if (ret)
		die(2, "cannot open /proc/%d/pagemap: %s", (int)pid, strerror(-ret));
	ret = pw_maps_load(src->pid, maps);
	if (ret)
		die(2, "cannot read /proc/%d/maps: %s", (int)src->pid, strerror(-ret));
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct pw_ranges wanted = { 0 };
	char not_walked[256] = "";
	struct pw_source src;
	struct pw_report rep;
	struct pw_maps maps;
	struct pw_plot plot = { 0 };
	struct plot_file pf;
	struct held held;
	char title[64];
	int first, ret;
	FILE *out;

	first = parse_options(argc, argv, &o);
	if (o.demo) {
		run_demo(&o, argc - first);
		return 0;
	}
	open_source(&src, o.pid, &maps);
	wanted_ranges(argv + first, argc - first, &maps, src.page_size, src.pid,
		      &wanted);
	out = held_open(&held);
	pw_report_init(&rep, out, &src);
	rep.json = o.json;
	rep.quiet = o.quiet;
	plot.page_size = src.page_size;
	if (o.plot)
		rep.plot = &plot;
	if (o.levels)
		rep.walk_fd = kwalk_open();
	pw_report_begin(&rep);
	ret = walk_wanted(&src, &maps, &wanted, &rep, not_walked,
			  sizeof(not_walked));
	if (ret == -ESRCH || (!ret && !pw_source_alive(&src)))
		die(1, "process %d exited during the walk", (int)src.pid);
	if (ret)
		die(1, "reading /proc/%d/pagemap failed: %s", (int)src.pid,
		    strerror(-ret));
	if (argc > first && !rep.s.pages && not_walked[0])
		die(2, "%s lies above the end of /proc/%d/pagemap (TASK_SIZE): the kernel has no entries for it",
		    not_walked, (int)src.pid);
	pw_report_summary(&rep, &src, not_walked);
	if (o.plot) {
		snprintf(title, sizeof(title), "pagemap-walk -p %d", (int)src.pid);
		plot_prepare_or_die(&pf, &plot, o.plot, title);
		pw_plot_free(&plot);
	}
	finish(out, &held, o.plot ? &pf : NULL);
	/* Notes only once everything succeeded: a failure says one line. */
	if (o.levels && rep.walk_fd < 0)
		fprintf(stderr, "%s: --levels: no kernel walk: %s\n", prog,
			kwalk_open_error(rep.walk_fd));
	if (src.pfns_visible && src.kpageflags_fd < 0)
		fprintf(stderr, "%s: /proc/kpageflags cannot be read: zero-page, thp and hugetlb are not shown\n",
			prog);
	else if (!src.pfns_visible && rep.s.present)
		fprintf(stderr, "%s: PFNs are hidden: reading them needs CAP_SYS_ADMIN; flags are still shown\n",
			prog);
	free(wanted.v);
	pw_maps_free(&maps);
	if (rep.walk_fd >= 0)
		close(rep.walk_fd);
	pw_source_close(&src);
	return 0;
}
