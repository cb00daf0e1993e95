// SPDX-License-Identifier: MIT
/* The allocator (lib/allocate.c): hand-written cases for every rule, then properties
 * checked over thousands of generated pools. */
#include "passthru/allocate.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static struct pt_alloc_candidate dev(const char *bdf, int node, int group)
{
	struct pt_alloc_candidate c = { .numa_node = node, .iommu_group = group,
					.group_viable = true };

	if (pt_bdf_parse(bdf, &c.bdf) < 0)
		abort();
	return c;
}

static const char *bdf_of(const struct pt_alloc_candidate *c, size_t i)
{
	static char buf[4][PT_BDF_STRLEN];
	static int k;

	k = (k + 1) % 4;
	return pt_bdf_format(&c[i].bdf, buf[k]);
}

static void test_basics(void)
{
	struct pt_alloc_candidate c[] = {
		dev("0000:41:00.3", 0, 13), dev("0000:41:00.1", 0, 11),
		dev("0000:41:00.2", 0, 12), dev("0000:41:00.0", 0, 10),
	};
	struct pt_alloc_request req = { .count = 2, .numa_node = 0 };
	struct pt_alloc_result res;
	size_t picks[8];

	req.count = 0;
	is_int(pt_allocate(c, 4, &req, picks, &res), -EINVAL, "count 0 is invalid");
	req.count = 1;
	is_int(pt_allocate(NULL, 0, &req, picks, &res), -ENOSPC, "an empty pool has nothing");
	is_int(res.avail_total, 0, "empty: nothing available");

	req.count = 2;
	is_int(pt_allocate(c, 4, &req, picks, &res), 0, "2 of 4 on node 0");
	is_int(res.n_picked, 2, "two picked");
	is_str(bdf_of(c, picks[0]), "0000:41:00.0", "lowest BDF first, whatever the input order");
	is_str(bdf_of(c, picks[1]), "0000:41:00.1", "then the next");
	is_int(res.n_local, 2, "both local");
	is_int(res.n_remote, 0, "none remote");
	is_int(res.avail_local, 4, "4 usable on node 0");
	is_int(res.node, 0, "placed on node 0");

	req.count = 4;
	is_int(pt_allocate(c, 4, &req, picks, &res), 0, "all 4");
	req.count = 5;
	is_int(pt_allocate(c, 4, &req, picks, &res), -ENOSPC, "5 of 4: no space");
	is_int(res.n_picked, 0, "nothing picked on failure");
	is_int(res.avail_local, 4, "failure still reports what is usable");
	req.allow_remote = true;
	is_int(pt_allocate(c, 4, &req, picks, &res), -ENOSPC, "allow_remote does not create devices");
}

static void test_exclusions(void)
{
	struct pt_alloc_candidate c[] = {
		dev("0000:01:00.0", 0, 1), dev("0000:01:00.1", 0, 2), dev("0000:01:00.2", 0, 3),
		dev("0000:01:00.3", 0, 4), dev("0000:01:00.4", 0, -1), dev("0000:01:00.5", 0, 6),
		dev("0000:01:00.6", 0, 7),
	};
	struct pt_alloc_request req = { .count = 1, .numa_node = 0, .vm = "vm1" };
	struct pt_alloc_result res;
	size_t picks[8];

	c[0].leased = true;
	c[0].lease_vm = "vm0";
	c[1].quarantined = true;
	c[2].group_viable = false;
	c[3].unavailable = true;
	/* c[4] has no IOMMU group */
	ok(!pt_alloc_usable(c, 7, 0, "vm1"), "a leased device is not usable");
	ok(!pt_alloc_usable(c, 7, 0, "vm0"), "not even by its holder");
	ok(!pt_alloc_usable(c, 7, 1, "vm1"), "a quarantined device is not usable");
	ok(!pt_alloc_usable(c, 7, 2, "vm1"), "a non-viable group is not usable");
	ok(!pt_alloc_usable(c, 7, 3, "vm1"), "an unavailable (other pool) device is not usable");
	ok(!pt_alloc_usable(c, 7, 4, "vm1"), "a device without an IOMMU group is not usable");
	ok(pt_alloc_usable(c, 7, 5, "vm1"), "a free device in a viable group is usable");
	ok(!pt_alloc_usable(c, 7, 7, "vm1"), "out of range index is not usable");
	is_int(pt_allocate(c, 7, &req, picks, &res), 0, "one device");
	is_str(bdf_of(c, picks[0]), "0000:01:00.5", "skips every excluded device");
	is_int(res.avail_total, 2, "two usable in all");
	req.count = 3;
	is_int(pt_allocate(c, 7, &req, picks, &res), -ENOSPC, "three is more than usable");
}

static void test_groups(void)
{
	/* a multifunction card: three functions share group 5 */
	struct pt_alloc_candidate c[] = {
		dev("0000:02:00.0", 0, 5), dev("0000:02:00.1", 0, 5), dev("0000:02:00.2", 0, 5),
		dev("0000:03:00.0", 0, 6),
	};
	struct pt_alloc_request req = { .count = 1, .numa_node = -1, .vm = "vm-b" };
	struct pt_alloc_result res;
	size_t picks[8];

	c[0].leased = true;
	c[0].lease_vm = "vm-a";
	ok(!pt_alloc_usable(c, 4, 1, "vm-b"), "a group member leased to another VM blocks the group");
	ok(pt_alloc_usable(c, 4, 1, "vm-a"), "the holder may take the rest of its group");
	ok(!pt_alloc_usable(c, 4, 1, NULL), "an anonymous request shares a group with nobody");
	is_int(pt_allocate(c, 4, &req, picks, &res), 0, "vm-b gets a device");
	is_str(bdf_of(c, picks[0]), "0000:03:00.0", "from another group");
	req.count = 2;
	is_int(pt_allocate(c, 4, &req, picks, &res), -ENOSPC, "vm-b cannot get two");
	req.vm = "vm-a";
	req.count = 3;
	is_int(pt_allocate(c, 4, &req, picks, &res), 0, "vm-a can get three");
	is_str(bdf_of(c, picks[0]), "0000:02:00.1", "its group first by BDF");
	c[0].lease_vm = NULL;
	ok(!pt_alloc_usable(c, 4, 1, "vm-a"), "a lease of unknown holder blocks everyone");
	c[0].leased = false;
	c[0].quarantined = true;
	ok(pt_alloc_usable(c, 4, 1, "vm-b"), "a quarantined member does not block (viability decides)");
}

static void test_numa(void)
{
	struct pt_alloc_candidate c[] = {
		dev("0000:81:00.0", 1, 30), dev("0000:81:00.1", 1, 31), dev("0000:81:00.2", 1, 32),
		dev("0000:01:00.0", 0, 20), dev("0000:01:00.1", 0, 21),
		dev("0000:c1:00.0", -1, 40), dev("0000:c1:00.1", -1, 41),
		dev("0000:c1:00.2", -1, 42),
	};
	struct pt_alloc_request req = { .count = 3, .numa_node = 0 };
	struct pt_alloc_result res;
	size_t picks[8];

	is_int(pt_allocate(c, 8, &req, picks, &res), -ENOSPC, "node 0 has 2, 3 wanted");
	is_int(res.avail_local, 2, "2 usable on node 0");
	is_int(res.avail_total, 8, "8 usable in all");
	req.allow_remote = true;
	is_int(pt_allocate(c, 8, &req, picks, &res), 0, "with allow_remote it fits");
	is_int(res.n_local, 2, "2 local");
	is_int(res.n_remote, 1, "1 remote: the cost");
	is_str(bdf_of(c, picks[0]), "0000:01:00.0", "local first");
	is_str(bdf_of(c, picks[1]), "0000:01:00.1", "local second");
	is_str(bdf_of(c, picks[2]), "0000:81:00.0",
	       "remote from the fullest known node before unknown ones (tie of 3)");
	is_int(res.node, -1, "split over nodes");

	req.numa_node = 7;
	req.count = 1;
	is_int(pt_allocate(c, 8, &req, picks, &res), 0, "a node without devices, remote allowed");
	is_int(res.n_remote, 1, "all remote");
	is_int(res.avail_local, 0, "nothing local");
	req.allow_remote = false;
	is_int(pt_allocate(c, 8, &req, picks, &res), -ENOSPC, "a node without devices, strict");

	/* node -1 in a request means any; unknown-node devices are never local to N */
	req.numa_node = -1;
	req.count = 3;
	is_int(pt_allocate(c, 8, &req, picks, &res), 0, "any node, 3 fit on one node");
	is_int(res.node, 1, "node 1 (3 known) wins the tie with the unknown bucket");
	is_int(res.n_remote, 0, "no remote cost without a node");
	is_str(bdf_of(c, picks[0]), "0000:81:00.0", "lowest BDF on node 1");
	req.count = 2;
	c[0].leased = true;
	c[0].lease_vm = "x";
	is_int(pt_allocate(c, 8, &req, picks, &res), 0, "any node, 2");
	is_int(res.node, -1, "unknown bucket (3) is now fullest");
	is_str(bdf_of(c, picks[0]), "0000:c1:00.0", "lowest BDF there");
	c[5].quarantined = true;
	is_int(pt_allocate(c, 8, &req, picks, &res), 0, "any node, 2, ties of 2 everywhere");
	is_str(bdf_of(c, picks[0]), "0000:01:00.0", "known before unknown, then the lowest node id");
	is_int(res.node, 0, "node 0");
	req.count = 6;
	is_int(pt_allocate(c, 8, &req, picks, &res), 0, "any node, 6 of 6 spill");
	is_str(bdf_of(c, picks[0]), "0000:01:00.0", "spill order: node 0");
	is_str(bdf_of(c, picks[2]), "0000:81:00.1", "then node 1");
	is_str(bdf_of(c, picks[4]), "0000:c1:00.1", "then unknown");
	is_int(res.n_local, 6, "all count as local when no node was asked");
	req.count = 7;
	is_int(pt_allocate(c, 8, &req, picks, &res), -ENOSPC, "7 of 6");
	req.numa_node = -5;
	req.count = 1;
	is_int(pt_allocate(c, 8, &req, picks, &res), 0, "any negative node means any");
}

static void test_wide_domain(void)
{
	struct pt_alloc_candidate c[] = { dev("10000:00:00.0", 0, 1), dev("0000:ff:1f.7", 0, 2) };
	struct pt_alloc_request req = { .count = 1, .numa_node = 0 };
	struct pt_alloc_result res;
	size_t picks[2];

	is_int(pt_allocate(c, 2, &req, picks, &res), 0, "VMD domain pool");
	is_str(bdf_of(c, picks[0]), "0000:ff:1f.7", "BDF order is numeric, not textual");
}

/* ---- properties over generated pools ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *vms[] = { "vm0", "vm1", "vm2" };

static int check_one(struct pt_alloc_candidate *c, size_t n, const struct pt_alloc_request *req)
{
	size_t picks[64], picks2[64], usable = 0, local_usable = 0, local_seen = 0;
	struct pt_alloc_result res, res2;
	struct pt_alloc_candidate perm[64];
	size_t map[64];
	int r, r2;

	for (size_t i = 0; i < n; i++)
		if (pt_alloc_usable(c, n, i, req->vm)) {
			usable++;
			if (req->numa_node < 0 || c[i].numa_node == req->numa_node)
				local_usable++;
		}
	r = pt_allocate(c, n, req, picks, &res);
	if (res.avail_total != usable || res.avail_local != local_usable)
		return 1;
	/* fails exactly when the rules say so */
	if ((usable < req->count ||
	     (req->numa_node >= 0 && !req->allow_remote && local_usable < req->count)) != (r == -ENOSPC))
		return 2;
	if (r < 0)
		return res.n_picked == 0 ? 0 : 3;
	if (res.n_picked != req->count || res.n_local + res.n_remote != req->count)
		return 4;
	for (size_t k = 0; k < res.n_picked; k++) {
		const struct pt_alloc_candidate *p = &c[picks[k]];
		bool local = req->numa_node < 0 || p->numa_node == req->numa_node;

		if (!pt_alloc_usable(c, n, picks[k], req->vm))
			return 5; /* never an unusable device */
		for (size_t j = 0; j < k; j++)
			if (picks[j] == picks[k])
				return 6; /* never twice */
		if (local)
			local_seen++;
		if (req->numa_node >= 0 && local != (k < res.n_local))
			return 7; /* local picks come first */
		if (k > 0 && p->numa_node == c[picks[k - 1]].numa_node &&
		    pt_bdf_cmp(&c[picks[k - 1]].bdf, &p->bdf) >= 0)
			return 8; /* lowest BDF first within a node */
	}
	if (req->numa_node >= 0 && local_seen != (local_usable < req->count ? local_usable : req->count))
		return 9; /* as many local as possible */
	/* within a node, no skipped usable device with a lower BDF */
	for (size_t k = 0; k < res.n_picked; k++)
		for (size_t i = 0; i < n; i++) {
			bool picked = false;

			for (size_t j = 0; j < res.n_picked; j++)
				picked |= picks[j] == i;
			if (!picked && c[i].numa_node == c[picks[k]].numa_node &&
			    pt_alloc_usable(c, n, i, req->vm) && pt_bdf_cmp(&c[i].bdf, &c[picks[k]].bdf) < 0)
				return 10;
		}
	/* deterministic: the same picks again, and from any input order */
	r2 = pt_allocate(c, n, req, picks2, &res2);
	if (r2 != r || memcmp(picks, picks2, res.n_picked * sizeof(*picks)) != 0)
		return 11;
	for (size_t i = 0; i < n; i++)
		map[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd((uint32_t)i), t = map[i - 1];

		map[i - 1] = map[j];
		map[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		perm[i] = c[map[i]];
	r2 = pt_allocate(perm, n, req, picks2, &res2);
	if (r2 != r || res2.n_remote != res.n_remote || res2.node != res.node)
		return 12;
	for (size_t k = 0; k < res.n_picked; k++)
		if (map[picks2[k]] != picks[k])
			return 13;
	return 0;
}

static void test_properties(void)
{
	int failures = 0, first = 0, fit = 0, nospc = 0, remote = 0;
	const int rounds = 20000;

	for (int round = 0; round < rounds; round++) {
		struct pt_alloc_candidate c[64];
		struct pt_alloc_request req;
		size_t n = rnd(40);
		int groups = 1 + (int)rnd(48), e;

		for (size_t i = 0; i < n; i++) {
			c[i] = (struct pt_alloc_candidate){ 0 };
			/* unique BDFs: i spread over buses, functions */
			c[i].bdf.domain = rnd(8) == 0 ? 0x10000 : 0;
			c[i].bdf.bus = (uint8_t)(i * 5 + 1);
			c[i].bdf.dev = (uint8_t)rnd(32);
			c[i].bdf.fn = (uint8_t)rnd(8);
			c[i].numa_node = (int)rnd(4) - 1;
			c[i].iommu_group = (int)rnd((uint32_t)groups + 1) - 1;
			c[i].group_viable = rnd(10) != 0;
			c[i].leased = rnd(4) == 0;
			c[i].lease_vm = c[i].leased && rnd(8) ? vms[rnd(3)] : NULL;
			c[i].quarantined = !c[i].leased && rnd(10) == 0;
			c[i].unavailable = rnd(20) == 0;
		}
		req = (struct pt_alloc_request){
			.count = 1 + rnd(8),
			.numa_node = (int)rnd(4) - 1,
			.allow_remote = rnd(2),
			.vm = rnd(6) ? vms[rnd(3)] : NULL,
		};
		e = check_one(c, n, &req);
		if (e && !failures++)
			first = e;
		{
			size_t picks[64];
			struct pt_alloc_result res;
			int r = pt_allocate(c, n, &req, picks, &res);

			fit += r == 0;
			nospc += r == -ENOSPC;
			remote += r == 0 && res.n_remote > 0;
		}
	}
	ok(failures == 0, "%d generated pools: every property holds (first failure: rule %d)",
	   rounds, first);
	ok(fit > rounds / 10 && nospc > rounds / 10 && remote > rounds / 50,
	   "the generator covers success (%d), exhaustion (%d) and remote placement (%d)", fit, nospc,
	   remote);
}

/* Units: whole_group functions of one group go together; count counts units. */
static void test_units(void)
{
	struct pt_alloc_candidate c[] = {
		dev("0000:81:00.1", 1, 14), dev("0000:81:00.0", 1, 14), /* GPU + audio */
		dev("0000:82:00.0", 1, 15), dev("0000:82:00.1", 1, 15),
		dev("0000:83:00.0", 1, 16),                             /* alone */
	};
	struct pt_alloc_request req = { .count = 1, .numa_node = -1 };
	struct pt_alloc_result res;
	size_t picks[8];

	for (size_t i = 0; i < 5; i++)
		c[i].whole_group = true;
	is_int(pt_allocate(c, 5, &req, picks, &res), 0, "one unit");
	is_int(res.n_units, 1, "one unit picked");
	is_int(res.n_picked, 2, "two functions in it");
	is_str(bdf_of(c, picks[0]), "0000:81:00.0", "the unit of the lowest address");
	is_str(bdf_of(c, picks[1]), "0000:81:00.1", "with its audio function");
	is_int(res.avail_total, 3, "3 units usable, not 5 functions");

	c[0].leased = true; /* the first unit's audio function is held: the unit is not usable */
	c[0].lease_vm = "other";
	is_int(pt_allocate(c, 5, &req, picks, &res), 0, "the next unit");
	is_str(bdf_of(c, picks[0]), "0000:82:00.0", "a unit with a leased member is skipped whole");
	is_int(res.n_picked, 2, "both of its functions");
	c[0].leased = false;
	c[0].lease_vm = NULL;

	c[3].group_viable = false; /* one member not viable: the unit is not */
	req.count = 3;
	is_int(pt_allocate(c, 5, &req, picks, &res), -ENOSPC, "3 units, one of them not viable");
	is_int(res.n_picked, 0, "nothing picked");
	req.count = 2;
	is_int(pt_allocate(c, 5, &req, picks, &res), 0, "2 units");
	is_int(res.n_picked, 3, "2 + 1 functions");
	is_str(bdf_of(c, picks[2]), "0000:83:00.0", "the lone function is the second unit");
	c[3].group_viable = true;

	c[1].whole_group = false; /* not marked: a unit of its own */
	req.count = 1;
	is_int(pt_allocate(c, 5, &req, picks, &res), 0, "unmarked");
	is_int(res.n_picked, 1, "an unmarked function goes alone");
}

/* Spread: round-robin over the spread key (a VF's PF). */
static void test_spread(void)
{
	struct pt_alloc_candidate c[] = {
		dev("0000:18:02.0", 0, 40), dev("0000:18:02.1", 0, 41), dev("0000:18:02.2", 0, 42),
		dev("0000:19:02.0", 0, 50), dev("0000:19:02.1", 0, 51),
	};
	struct pt_alloc_request req = { .count = 3, .numa_node = 0 };
	struct pt_alloc_result res;
	size_t picks[8];

	for (size_t i = 0; i < 5; i++)
		c[i].spread_key = i < 3 ? 0x1800 : 0x1900;
	is_int(pt_allocate(c, 5, &req, picks, &res), 0, "3 VFs, packed");
	is_str(bdf_of(c, picks[2]), "0000:18:02.2", "without spread: the lowest addresses, one PF");
	req.spread = true;
	is_int(pt_allocate(c, 5, &req, picks, &res), 0, "3 VFs, spread");
	is_str(bdf_of(c, picks[0]), "0000:18:02.0", "first PF's first VF");
	is_str(bdf_of(c, picks[1]), "0000:19:02.0", "then the second PF's first VF");
	is_str(bdf_of(c, picks[2]), "0000:18:02.1", "then round again");
}

int main(void)
{
	test_basics();
	test_exclusions();
	test_groups();
	test_numa();
	test_wide_domain();
	test_properties();
	test_units();
	test_spread();
	return done_testing();
}
