// SPDX-License-Identifier: MIT
/*
 * `passthru topo` printers: the tree of lib/topo.c as text (like lspci -tv, then the
 * IOMMU groups and the gate's problems), Graphviz dot, a self-contained SVG (no script,
 * no network) and an HTML page (expand/collapse with <details>, a search box with
 * inline script). Every function of the host is named in the SVG and the HTML, the
 * collapsed VFs too (in the range's title or its expandable list).
 */
#include "topo-output.h"

#include <stdio.h>
#include <string.h>

/* ---- labels ------------------------------------------------------------------------- */

static const char *acs_str(const struct pt_device *d)
{
	if (d->config.header_type != 1)
		return NULL;
	if (d->config.acs.present == PT_NO)
		return "ACS none";
	if (d->config.acs.present == PT_UNKNOWN)
		return "ACS unknown";
	return d->config.acs.isolates == PT_YES ? "ACS isolates" : "ACS does not isolate";
}

static const char *name_of(const struct pt_device *d)
{
	if (d->device_name[0])
		return d->device_name;
	if (d->class_name[0])
		return d->class_name;
	return "";
}

/* One line for a node, without marks. */
static void label(const struct topo_out *o, const struct pt_topo_node *n, char *buf, size_t len)
{
	const struct pt_device *d = n->dev;
	const char *acs;
	size_t k;

	if (!d && !n->range_pf) {
		if (n->root_numa >= 0)
			snprintf(buf, len, "%s  NUMA node %d", n->root, n->root_numa);
		else
			snprintf(buf, len, "%s  NUMA node unknown", n->root);
		return;
	}
	if (n->range_pf) {
		const struct pt_device *pf = n->range_pf, *a, *b;
		char fa[PT_BDF_STRLEN], fb[PT_BDF_STRLEN];

		a = pt_host_find(o->h, &pf->vfs[n->range_first]);
		b = pt_host_find(o->h, &pf->vfs[n->range_last]);
		snprintf(buf, len, "%s .. %s  %zu more VFs%s%s%s", pt_bdf_format(&pf->vfs[n->range_first], fa),
			 pt_bdf_format(&pf->vfs[n->range_last], fb), n->range_last - n->range_first + 1,
			 a && a->driver[0] ? "  " : "", a && a->driver[0] ? a->driver : "",
			 a && b && a->iommu_group >= 0 && b->iommu_group >= 0 ? "" : "");
		if (a && b && a->iommu_group >= 0 && b->iommu_group >= 0) {
			k = strlen(buf);
			snprintf(buf + k, len - k, "  groups %d-%d", a->iommu_group, b->iommu_group);
		}
		return;
	}
	k = (size_t)snprintf(buf, len, "%s", d->name);
	if (k < len && d->vendor_id >= 0)
		k += (size_t)snprintf(buf + k, len - k, " [%04x:%04x]", d->vendor_id, d->device_id);
	if (k < len && name_of(d)[0])
		k += (size_t)snprintf(buf + k, len - k, " %s", name_of(d));
	if (k < len)
		k += (size_t)snprintf(buf + k, len - k, "  %s", d->driver[0] ? d->driver : "(no driver)");
	if (k < len && d->iommu_group >= 0)
		k += (size_t)snprintf(buf + k, len - k, "  group %d", d->iommu_group);
	if (k < len && (acs = acs_str(d)))
		k += (size_t)snprintf(buf + k, len - k, "  %s", acs);
	if (k < len && d->kind == PT_KIND_PF)
		k += (size_t)snprintf(buf + k, len - k, "  VFs %d/%d", d->sriov_numvfs, d->sriov_totalvfs);
	if (k < len && d->numa_node >= 0 && d->config.header_type != 1 && d->kind != PT_KIND_VF)
		snprintf(buf + k, len - k, "  node %d", d->numa_node);
}

static const char *mark(const struct pt_topo_node *n)
{
	return n->worst == PT_FAIL ? "FAIL" : n->worst == PT_WARN ? "WARN" : NULL;
}

static size_t group_size(const struct pt_host *h, int id)
{
	const struct pt_iommu_group *g = id >= 0 ? pt_host_group(h, id) : NULL;

	return g ? g->n_members : 0;
}

/* ---- text ------------------------------------------------------------------------------ */

static void text_node(const struct topo_out *o, int i, char *prefix, size_t plen, bool last)
{
	const struct pt_topo_node *n = &o->t->nodes[i];
	char buf[512];
	const char *m = mark(n);
	size_t at = strlen(prefix);

	label(o, n, buf, sizeof(buf));
	if (n->parent < 0)
		fprintf(o->f, "%s%s\n", buf, "");
	else
		fprintf(o->f, "%s%s %s%s%s%s\n", prefix, last ? "└─" : "├─", buf, m ? "  " : "",
			m ? m : "", "");
	if (n->parent >= 0 && at + 8 < plen)
		strcat(prefix, last ? "   " : "│  ");
	for (int c = n->first_child; c >= 0; c = o->t->nodes[c].next_sibling)
		text_node(o, c, prefix, plen, o->t->nodes[c].next_sibling < 0);
	prefix[at] = '\0';
}

static void text_out(const struct topo_out *o)
{
	char prefix[256] = "";
	size_t shown = 0;

	for (size_t i = 0; i < o->t->n; i++)
		if (o->t->nodes[i].parent < 0 && o->t->nodes[i].first_child >= 0)
			text_node(o, (int)i, prefix, sizeof(prefix), true);
	fprintf(o->f, "\nIOMMU groups with more than one function:\n");
	for (size_t g = 0; g < o->h->n_groups; g++) {
		const struct pt_iommu_group *gr = &o->h->groups[g];
		char b[PT_BDF_STRLEN];

		if (gr->n_members < 2)
			continue;
		shown++;
		fprintf(o->f, "  group %d:", gr->id);
		for (size_t k = 0; k < gr->n_members; k++)
			fprintf(o->f, " %s", pt_bdf_format(&gr->members[k], b));
		fputc('\n', o->f);
	}
	if (!shown)
		fprintf(o->f, "  none%s\n", o->h->n_groups ? "" : " (no IOMMU groups: no IOMMU?)");
	fprintf(o->f, "\nProblems the gate found (passthru check):\n");
	shown = 0;
	for (size_t k = 0; o->rep && k < o->rep->n; k++) {
		const struct pt_check_result *r = &o->rep->results[k];

		if (r->result < PT_WARN)
			continue;
		shown++;
		fprintf(o->f, "  %s %s %s: %s\n", pt_result_str(r->result), r->device[0] ? r->device : "host",
			r->id, r->evidence);
	}
	if (!shown)
		fprintf(o->f, "  none\n");
}

/* ---- dot ------------------------------------------------------------------------------- */

static void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void dot_out(const struct topo_out *o)
{
	const struct pt_topo *t = o->t;

	fprintf(o->f, "digraph host {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\", "
		      "fontsize=10, style=filled, fillcolor=white];\n");
	for (size_t r = 0; r < t->n; r++) {
		char buf[512];

		if (t->nodes[r].parent >= 0 || t->nodes[r].first_child < 0)
			continue;
		label(o, &t->nodes[r], buf, sizeof(buf));
		fprintf(o->f, "  subgraph cluster_root%zu {\n    label=", r);
		dot_str(o->f, buf);
		fprintf(o->f, ";\n    style=rounded;\n");
		for (size_t i = 0; i < t->n; i++) {
			const struct pt_topo_node *n = &t->nodes[i];
			int root = (int)i;
			const char *m = mark(n);

			while (t->nodes[root].parent >= 0)
				root = t->nodes[root].parent;
			if ((size_t)root != r || n->parent < 0)
				continue;
			label(o, n, buf, sizeof(buf));
			if (n->dev && group_size(o->h, n->dev->iommu_group) > 1)
				fprintf(o->f, "    subgraph cluster_g%d { label=\"IOMMU group %d\"; "
					      "style=dashed; color=blue; ", n->dev->iommu_group,
					n->dev->iommu_group);
			fprintf(o->f, "    n%zu [label=", i);
			dot_str(o->f, buf);
			if (m)
				fprintf(o->f, ", fillcolor=%s", n->worst == PT_FAIL ? "\"#f8c0c0\"" : "\"#fde2b0\"");
			fprintf(o->f, "];");
			if (n->dev && group_size(o->h, n->dev->iommu_group) > 1)
				fprintf(o->f, " }");
			fputc('\n', o->f);
		}
		fprintf(o->f, "  }\n\n");
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].parent >= 0 && t->nodes[t->nodes[i].parent].parent >= 0)
			fprintf(o->f, "  n%d -> n%zu;\n", t->nodes[i].parent, i);
	fprintf(o->f, "}\n");
}

/* ---- SVG ------------------------------------------------------------------------------- */

static void xml_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

#define ROW 20
#define INDENT 22
#define CHARW 7.3
#define LEFT 150

/* rows in display order (depth first) */
static void order(const struct pt_topo *t, int i, int *rows, size_t *n)
{
	for (; i >= 0; i = t->nodes[i].next_sibling) {
		rows[(*n)++] = i;
		order(t, t->nodes[i].first_child, rows, n);
	}
}

static void all_rows(const struct pt_topo *t, int *rows, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].parent < 0 && t->nodes[i].first_child >= 0) {
			rows[(*n)++] = (int)i;
			order(t, t->nodes[i].first_child, rows, n);
		}
}

/* The BDFs a range folds, for its title. */
static void range_bdfs(const struct topo_out *o, const struct pt_topo_node *n, bool html)
{
	char b[PT_BDF_STRLEN];

	for (size_t v = n->range_first; v <= n->range_last; v++) {
		pt_bdf_format(&n->range_pf->vfs[v], b);
		if (html)
			fprintf(o->f, "<li data-bdf=\"%s\">%s</li>", b, b);
		else
			fprintf(o->f, "%s%s", v == n->range_first ? "" : " ", b);
	}
}

static void svg_out(const struct topo_out *o)
{
	const struct pt_topo *t = o->t;
	int *rows = malloc((t->n + 1) * sizeof(*rows)), *row_of = malloc((t->n + 1) * sizeof(int));
	size_t nr = 0, width = 600;
	char buf[512];

	if (!rows || !row_of) {
		free(rows);
		free(row_of);
		return;
	}
	all_rows(t, rows, &nr);
	for (size_t r = 0; r < nr; r++) {
		size_t w;

		row_of[rows[r]] = (int)r;
		label(o, &t->nodes[rows[r]], buf, sizeof(buf));
		w = LEFT + (size_t)(t->nodes[rows[r]].depth * INDENT) + (size_t)(strlen(buf) * CHARW) + 80;
		if (w > width)
			width = w;
	}
	fprintf(o->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" height=\"%zu\" "
		      "viewBox=\"0 0 %zu %zu\" font-family=\"DejaVu Sans Mono, monospace\" "
		      "font-size=\"12\">\n<title>passthru topo</title>\n"
		      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		width, nr * ROW + 60, width, nr * ROW + 60);
	fprintf(o->f, "<text x=\"8\" y=\"18\" font-weight=\"bold\">PCI topology: %zu functions; "
		      "dashed boxes: IOMMU groups with more than one function; red: check fails, "
		      "orange: check warns</text>\n", t->n_functions);
	/* IOMMU groups with more than one member: a dashed box over their rows, in the
	 * left gutter lane of the group */
	for (size_t g = 0, lane = 0; g < o->h->n_groups; g++) {
		const struct pt_iommu_group *gr = &o->h->groups[g];
		int lo = -1, hi = -1;

		if (gr->n_members < 2)
			continue;
		for (size_t k = 0; k < gr->n_members; k++) {
			const struct pt_device *d = pt_host_find(o->h, &gr->members[k]);

			for (size_t r = 0; d && r < nr; r++)
				if (t->nodes[rows[r]].dev == d ||
				    (t->nodes[rows[r]].range_pf && d->has_physfn &&
				     pt_bdf_eq(&t->nodes[rows[r]].range_pf->bdf, &d->physfn) &&
				     d->vf_index >= (int)t->nodes[rows[r]].range_first &&
				     d->vf_index <= (int)t->nodes[rows[r]].range_last)) {
					if (lo < 0 || (int)r < lo)
						lo = (int)r;
					if ((int)r > hi)
						hi = (int)r;
				}
		}
		if (lo < 0)
			continue;
		fprintf(o->f, "<g><title>IOMMU group %d (%zu functions)</title><rect x=\"%zu\" y=\"%d\" "
			      "width=\"%zu\" height=\"%d\" fill=\"none\" stroke=\"#3060c0\" "
			      "stroke-dasharray=\"4 3\" rx=\"4\"/><text x=\"%zu\" y=\"%d\" fill=\"#3060c0\" "
			      "font-size=\"10\">group %d</text></g>\n",
			gr->id, gr->n_members, 8 + (lane % 3) * 46, 30 + lo * ROW + 2, width - 16 - (lane % 3) * 46,
			(hi - lo + 1) * ROW - 2, 12 + (lane % 3) * 46, 30 + lo * ROW + 14, gr->id);
		lane++;
	}
	for (size_t r = 0; r < nr; r++) {
		const struct pt_topo_node *n = &t->nodes[rows[r]];
		const char *m = mark(n);
		size_t x = LEFT + (size_t)(n->depth * INDENT);
		int y = 30 + (int)r * ROW;

		label(o, n, buf, sizeof(buf));
		if (n->parent >= 0) {
			int py = 30 + row_of[n->parent] * ROW + ROW / 2 + 4;

			fprintf(o->f, "<path d=\"M%zu %d V%d H%zu\" fill=\"none\" stroke=\"#999\"/>\n",
				x - INDENT + 6, py, y + ROW / 2, x - 2);
		}
		fprintf(o->f, "<g>");
		if (n->range_pf) {
			fprintf(o->f, "<title>");
			range_bdfs(o, n, false);
			fprintf(o->f, "</title>");
		}
		fprintf(o->f, "<rect x=\"%zu\" y=\"%d\" width=\"%zu\" height=\"%d\" rx=\"3\" fill=\"%s\" "
			      "stroke=\"%s\"/>", x, y + 2, (size_t)(strlen(buf) * CHARW) + (m ? 50 : 10),
			ROW - 4, m ? (n->worst == PT_FAIL ? "#f8c0c0" : "#fde2b0") :
				     n->parent < 0 ? "#e4ecf8" : n->range_pf ? "#f0f0f0" : "#ffffff",
			n->parent < 0 ? "#3060c0" : "#bbb");
		fprintf(o->f, "<text x=\"%zu\" y=\"%d\"%s>", x + 5, y + 15,
			n->parent < 0 ? " font-weight=\"bold\"" : "");
		xml_str(o->f, buf);
		if (m)
			fprintf(o->f, "  <tspan font-weight=\"bold\" fill=\"%s\">%s</tspan>",
				n->worst == PT_FAIL ? "#b00000" : "#a05000", m);
		fprintf(o->f, "</text></g>\n");
	}
	fprintf(o->f, "</svg>\n");
	free(rows);
	free(row_of);
}

/* ---- HTML ------------------------------------------------------------------------------ */

static void html_problems(const struct topo_out *o, const struct pt_device *d)
{
	bool open = false;

	for (size_t k = 0; d && o->rep && k < o->rep->n; k++) {
		const struct pt_check_result *r = &o->rep->results[k];

		if (r->result < PT_WARN || !pt_result_names(r, d->name))
			continue;
		if (!open)
			fprintf(o->f, "<ul class=\"problems\">");
		open = true;
		fprintf(o->f, "<li class=\"%s\">%s %s: ", pt_result_str(r->result),
			pt_result_str(r->result), r->id);
		xml_str(o->f, r->evidence);
		if (r->decision[0]) {
			fprintf(o->f, " &mdash; ");
			xml_str(o->f, r->decision);
		}
		fprintf(o->f, "</li>");
	}
	if (open)
		fprintf(o->f, "</ul>");
}

static void html_node(const struct topo_out *o, int i)
{
	const struct pt_topo_node *n = &o->t->nodes[i];
	const char *m = mark(n);
	char buf[512];

	label(o, n, buf, sizeof(buf));
	fprintf(o->f, "<li%s%s%s", m ? " class=\"" : "", m ? (n->worst == PT_FAIL ? "fail" : "warn") : "",
		m ? "\"" : "");
	if (n->dev)
		fprintf(o->f, " data-bdf=\"%s\"", n->dev->name);
	if (n->dev && n->dev->iommu_group >= 0 && group_size(o->h, n->dev->iommu_group) > 1)
		fprintf(o->f, " data-group=\"%d\"", n->dev->iommu_group);
	fputc('>', o->f);
	if (n->range_pf) {
		fprintf(o->f, "<details class=\"range\"><summary>");
		xml_str(o->f, buf);
		fprintf(o->f, "</summary><ul>");
		range_bdfs(o, n, true);
		fprintf(o->f, "</ul></details></li>\n");
		return;
	}
	if (n->first_child >= 0) {
		fprintf(o->f, "<details open><summary>");
		xml_str(o->f, buf);
		if (m)
			fprintf(o->f, " <b>%s</b>", m);
		fprintf(o->f, "</summary>");
	} else {
		fprintf(o->f, "<span>");
		xml_str(o->f, buf);
		if (m)
			fprintf(o->f, " <b>%s</b>", m);
		fprintf(o->f, "</span>");
	}
	html_problems(o, n->dev);
	if (n->first_child >= 0) {
		fprintf(o->f, "<ul>\n");
		for (int c = n->first_child; c >= 0; c = o->t->nodes[c].next_sibling)
			html_node(o, c);
		fprintf(o->f, "</ul></details>");
	}
	fprintf(o->f, "</li>\n");
}

static void html_out(const struct topo_out *o)
{
	fprintf(o->f,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>passthru topo</title>\n<style>\n"
		"body{font:13px 'DejaVu Sans Mono',monospace;margin:12px;color:#111}\n"
		"ul{list-style:none;margin:0;padding-left:20px;border-left:1px dotted #aaa}\n"
		"ul.top{border:none;padding-left:0}\n"
		"li{margin:1px 0}\n"
		"li[data-group]>span,li[data-group]>details>summary{outline:1px dashed #3060c0}\n"
		"li.fail>span,li.fail>details>summary{background:#f8c0c0}\n"
		"li.warn>span,li.warn>details>summary{background:#fde2b0}\n"
		"ul.problems{border:none;color:#700;font-size:12px}\n"
		"details.range>summary{color:#555}\n"
		".hit{background:#ff0 !important}\n"
		"#q{font:inherit;width:44em;margin-bottom:8px}\n"
		"</style></head><body>\n"
		"<h1 style=\"font-size:15px\">PCI topology: %zu functions</h1>\n"
		"<p>Dashed outline: a function in an IOMMU group with more than one function. Red: "
		"<code>passthru check</code> fails on it; orange: it warns. Long VF runs are folded: "
		"open them to see every VF.</p>\n"
		"<input id=\"q\" type=\"search\" placeholder=\"search a BDF, driver, name... "
		"(or open the page with #TEXT)\">\n"
		"<ul class=\"top\">\n", o->t->n_functions);
	for (size_t i = 0; i < o->t->n; i++)
		if (o->t->nodes[i].parent < 0 && o->t->nodes[i].first_child >= 0)
			html_node(o, (int)i);
	fprintf(o->f, "</ul>\n<script>\n"
		"(function(){var q=document.getElementById('q');\n"
		"function run(){var s=q.value.toLowerCase();\n"
		"document.querySelectorAll('.hit').forEach(function(e){e.classList.remove('hit');});\n"
		"if(s.length<2)return;\n"
		"document.querySelectorAll('li').forEach(function(li){\n"
		" var own=li.firstElementChild?li.firstElementChild:li;\n"
		" var txt=(own.tagName==='DETAILS'?own.querySelector('summary').textContent:li.textContent).toLowerCase();\n"
		" if(txt.indexOf(s)<0)return;\n"
		" li.classList.add('hit');\n"
		" for(var p=li.parentElement;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true;}\n"
		"});}\n"
		"q.addEventListener('input',run);\n"
		"if(location.hash.length>1){q.value=decodeURIComponent(location.hash.slice(1));run();}\n"
		"})();\n</script>\n</body></html>\n");
}

int topo_print(const struct topo_out *o, const char *format)
{
	if (strcmp(format, "text") == 0)
		text_out(o);
	else if (strcmp(format, "dot") == 0)
		dot_out(o);
	else if (strcmp(format, "svg") == 0)
		svg_out(o);
	else if (strcmp(format, "html") == 0)
		html_out(o);
	else
		return -1;
	return 0;
}
