/*
 * test_tlog.c - the RFC 6962 Merkle tree of lib/tlog.c against known vectors:
 * the RFC 6962 test leaves of the certificate-transparency reference, and
 * trees, inclusion and consistency proofs computed by Go's reference
 * golang.org/x/mod/sumdb/tlog (the generator is tests/interop/vectors/main.go).
 * Then every proof of every pair of sizes up to 40 is made and checked, and
 * every single-bit change of a proof, a root or an index must fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tlog.h"

struct proof_vec {
	uint64_t a, size;
	size_t n;
	const char *h[8];
};

/* Go golang.org/x/mod/sumdb/tlog (x/mod 0.7.0): TreeHash of sizes 1..21 */
static const char *const go_roots[21] = {
	"699cacdb4c39d8e0bb1223352765a7f7acdc51dec6694f7b54c3d0a47f0cc409",
	"ed86a3db214e6ee89e3d51baa13b98c5c0757c15c1ca31899e35a8c8fdd54cf5",
	"3802d81c53e17f0ab9bc23cada51714a776c5d8124dd000e1824dde6e40cc898",
	"37eb6d2fe26865a146356659e53341ced4ae12747b5f7f815f7f73390c25c866",
	"547cd7f298ad06a990c4483886de6475977ded20721a3bc4f44ea6804456a46d",
	"5751544292c731b788495ca1e424b04ae0cf6f6e8937d60bb4457d2903fc1820",
	"7e09c80e4e50ffac37559d54be0f58579ef1d54b78a89d0529cf7cab6d18e21a",
	"4eef3110f00fbb041449262af38d8608729c1650a2b4b23008331c6e33a58c74",
	"8378df9f395c99a582a331d6500f50bc2772b7a408a43bd3faba513334bc3b17",
	"0655b0d246a0226c7da0ec31a24ff2d101a851b41af246361021411bc47489e9",
	"69b94f92fd99b18c2d59a135b95e39298cb5ed973c9adcbf091d6152c6f3f440",
	"e76045fef25f65f280fc9dc41b38eb86aa97aa8d17f394dfe234a26a5b13119a",
	"b59234e57602287252e38f5fc2d588f128c53a2ca6415138496a59ccb34773c4",
	"4abc132ef8b2028cab9dc9a630ffc24a3fd17f4822bf5f7d92f06c1bf58647f3",
	"c5d01a6582d12abc4db8cc013c0e529560cedd6bb42da94b2e75b520f44e417f",
	"843fadc71bc5fb52c6d376fea33e54a72d6a9be0d62ffdeeabda8030204e1270",
	"b737ca41b3ef8bd2ed586fdd5a7eef601cfd8271e22b0e62805d43174bd80c51",
	"72258da8265fca1917e05729664bae7a9a7c21125b69d2f271ca7689e263c34f",
	"0233bedae7b468d9df4cefc7d7f99f60538024efce539deb635500ed352d7bca",
	"5679447277675f38fe58b7f149d4e8ccb2f01cdea0f5281db4b47f515dd9e814",
	"ae4f5f0180b10e67adfd5c399d750bebf5f854ede8571ed3e1cf383be0157779",
};

/* tlog.ProveRecord(size, index): {index, size, n, hashes} */
static const struct proof_vec go_incl[] = {
	{0, 1, 0, {
	}},
	{3, 8, 3, {
		"02bcad4a4988ca2591ceda0dc4e0a7f89c1ecc9d7e02a6f704e481d3579b9f2f",
		"ed86a3db214e6ee89e3d51baa13b98c5c0757c15c1ca31899e35a8c8fdd54cf5",
		"d69dd53c49deac896eb3b4cf7d3f42ec2103be109c174dfdf853ad62aa354b0e",
	}},
	{5, 13, 4, {
		"0d3a728b7e1d5c0601fc9be165236af806c9427eb85d1501bb1c472f7d9d8f59",
		"1df147169673f443a4197b1f5c5aefe56bbbea8c47c8e9c4d081ac3e355c5544",
		"37eb6d2fe26865a146356659e53341ced4ae12747b5f7f815f7f73390c25c866",
		"ac8f655e7c9c725597b3e8eae30a3373bade0ed7b344500a500033e3d8a96612",
	}},
	{12, 13, 2, {
		"bed3a915b0f218cedcff717b22af744c7a23a2c5fb355be8e7c7dd52dd716050",
		"4eef3110f00fbb041449262af38d8608729c1650a2b4b23008331c6e33a58c74",
	}},
	{20, 21, 2, {
		"3aff49e232e91ab39f2f04c572999caeda081c0c7361ebaa22a7c52ea2ae9d04",
		"843fadc71bc5fb52c6d376fea33e54a72d6a9be0d62ffdeeabda8030204e1270",
	}},
	{0, 21, 5, {
		"82a6477a329946a492bf8f49dfe3f797f7f46008258ce54da93c72781e3b653e",
		"a55553a83ad7146412c54229e31c5f04cc935e76992394dfcec1a0e0ec85a28c",
		"d69dd53c49deac896eb3b4cf7d3f42ec2103be109c174dfdf853ad62aa354b0e",
		"3afff014359def9d901fdd857a3031a28de355f1a6c2e78478ba388527c72a79",
		"b5b0e187c89fae24bbf4e6083609238be4fa743bda0d332714689e1adeee5d5a",
	}},
	{6, 7, 2, {
		"316421eb70ca21c4e132c2747412862118e892488e6c0b58fcc98f290cb28630",
		"37eb6d2fe26865a146356659e53341ced4ae12747b5f7f815f7f73390c25c866",
	}},
};

/* tlog.ProveTree(size, old): {old, size, n, hashes} */
static const struct proof_vec go_cons[] = {
	{1, 21, 5, {
		"82a6477a329946a492bf8f49dfe3f797f7f46008258ce54da93c72781e3b653e",
		"a55553a83ad7146412c54229e31c5f04cc935e76992394dfcec1a0e0ec85a28c",
		"d69dd53c49deac896eb3b4cf7d3f42ec2103be109c174dfdf853ad62aa354b0e",
		"3afff014359def9d901fdd857a3031a28de355f1a6c2e78478ba388527c72a79",
		"b5b0e187c89fae24bbf4e6083609238be4fa743bda0d332714689e1adeee5d5a",
	}},
	{4, 8, 1, {
		"d69dd53c49deac896eb3b4cf7d3f42ec2103be109c174dfdf853ad62aa354b0e",
	}},
	{3, 7, 4, {
		"02bcad4a4988ca2591ceda0dc4e0a7f89c1ecc9d7e02a6f704e481d3579b9f2f",
		"fe8245b7cca3d834f6735cea32060f28e6a230f1b857d2cd3940e775de441cba",
		"ed86a3db214e6ee89e3d51baa13b98c5c0757c15c1ca31899e35a8c8fdd54cf5",
		"242e76b00377ed9ce624abbb295cce0705283e49c1563c378d49fab057c5b2be",
	}},
	{5, 13, 5, {
		"0d3a728b7e1d5c0601fc9be165236af806c9427eb85d1501bb1c472f7d9d8f59",
		"11b61a945b12d665b3e6b3bf486a6c4d33b64eae8fabe166b24cd097c5c16fce",
		"1df147169673f443a4197b1f5c5aefe56bbbea8c47c8e9c4d081ac3e355c5544",
		"37eb6d2fe26865a146356659e53341ced4ae12747b5f7f815f7f73390c25c866",
		"ac8f655e7c9c725597b3e8eae30a3373bade0ed7b344500a500033e3d8a96612",
	}},
	{8, 21, 2, {
		"3afff014359def9d901fdd857a3031a28de355f1a6c2e78478ba388527c72a79",
		"b5b0e187c89fae24bbf4e6083609238be4fa743bda0d332714689e1adeee5d5a",
	}},
	{13, 13, 0, {
	}},
	{20, 21, 3, {
		"3aff49e232e91ab39f2f04c572999caeda081c0c7361ebaa22a7c52ea2ae9d04",
		"033146af7b0e71916299f5343209551104166676aa5b38af71aa2090bf45b084",
		"843fadc71bc5fb52c6d376fea33e54a72d6a9be0d62ffdeeabda8030204e1270",
	}},
	{7, 16, 5, {
		"1c1228c9795642ed0166db2258a43f26ae9bdb6056f443c08be99485af5a4f4b",
		"f5b61cae5eadc75d40ba20997f133a9ea0c45e1266f128672756ff807a492238",
		"316421eb70ca21c4e132c2747412862118e892488e6c0b58fcc98f290cb28630",
		"37eb6d2fe26865a146356659e53341ced4ae12747b5f7f815f7f73390c25c866",
		"3afff014359def9d901fdd857a3031a28de355f1a6c2e78478ba388527c72a79",
	}},
};
static void unhex(const char *s, unsigned char out[TLOG_HASH])
{
	assert_int_equal(sodium_hex2bin(out, TLOG_HASH, s, strlen(s), NULL, NULL, NULL), 0);
}

/* A tree held in memory, stored the way lib/audit.c stores it: row n holds
 * the hashes record n completes. */
#define MAXN 64
typedef struct mem_tree {
	unsigned char rows[MAXN][TLOG_MAX_LEVELS][TLOG_HASH];
	int nrows[MAXN];
	tlog_frontier f;
	int reads;
} mem_tree;

static vault_status mem_read(void *ctx, int level, uint64_t index,
                             unsigned char out[TLOG_HASH])
{
	mem_tree *t = ctx;
	uint64_t rec = ((index + 1) << level) - 1; /* the record that completes it */

	t->reads++;
	if (rec >= t->f.size || level >= t->nrows[rec])
		return VAULT_ERR_NOT_FOUND;
	memcpy(out, t->rows[rec][level], TLOG_HASH);
	return VAULT_OK;
}

static void go_leaf(uint64_t i, unsigned char out[TLOG_HASH])
{
	unsigned char data[32];
	int j;

	for (j = 0; j < 32; j++)
		data[j] = (unsigned char)(i * 7 + (uint64_t)j);
	vault__tlog_leaf_hash(data, sizeof data, out);
}

static void build(mem_tree *t, uint64_t n)
{
	uint64_t i;

	memset(t, 0, sizeof *t);
	vault__tlog_frontier_init(&t->f);
	for (i = 0; i < n; i++) {
		unsigned char leaf[TLOG_HASH];

		go_leaf(i, leaf);
		assert_int_equal(vault__tlog_frontier_append(&t->f, leaf, t->rows[i],
		                                             &t->nrows[i]), 0);
		assert_int_equal(t->nrows[i], vault__tlog_stored_count(i));
	}
}

static void test_tlog__rfc6962_roots(void **state)
{
	static const char *const leaves[8] = {
		"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
		"606162636465666768696a6b6c6d6e6f"};
	static const char *const roots[8] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
	tlog_frontier f;
	unsigned char stored[TLOG_MAX_LEVELS][TLOG_HASH], leaf[TLOG_HASH],
	    root[TLOG_HASH], want[TLOG_HASH];
	int i, ns;

	(void)state;
	vault__tlog_frontier_init(&f);
	vault__tlog_frontier_root(&f, root);
	/* MTH({}) = SHA-256("") */
	unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
	assert_memory_equal(root, want, TLOG_HASH);
	for (i = 0; i < 8; i++) {
		unsigned char data[16];
		size_t len = strlen(leaves[i]) / 2;

		if (len)
			assert_int_equal(sodium_hex2bin(data, sizeof data, leaves[i],
			                                strlen(leaves[i]), NULL, NULL, NULL), 0);
		vault__tlog_leaf_hash(data, len, leaf);
		assert_int_equal(vault__tlog_frontier_append(&f, leaf, stored, &ns), 0);
		vault__tlog_frontier_root(&f, root);
		unhex(roots[i], want);
		assert_memory_equal(root, want, TLOG_HASH);
	}
}

static void test_tlog__go_roots(void **state)
{
	mem_tree *t = test_malloc(sizeof *t);
	unsigned char root[TLOG_HASH], want[TLOG_HASH];
	uint64_t n;

	(void)state;
	build(t, 21);
	for (n = 1; n <= 21; n++) {
		tlog_frontier g;

		unhex(go_roots[n - 1], want);
		/* from stored hashes, as a proof server would */
		assert_int_equal(vault__tlog_tree_hash(n, mem_read, t, root), VAULT_OK);
		assert_memory_equal(root, want, TLOG_HASH);
		/* from a frontier loaded from them, as an append would */
		assert_int_equal(vault__tlog_frontier_load(&g, n, mem_read, t), VAULT_OK);
		vault__tlog_frontier_root(&g, root);
		assert_memory_equal(root, want, TLOG_HASH);
	}
	test_free(t);
}

static void test_tlog__go_inclusion_proofs(void **state)
{
	mem_tree *t = test_malloc(sizeof *t);
	unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH], want[TLOG_HASH],
	    leaf[TLOG_HASH], root[TLOG_HASH];
	size_t i, k, n;

	(void)state;
	build(t, 21);
	for (i = 0; i < sizeof go_incl / sizeof go_incl[0]; i++) {
		const struct proof_vec *p = &go_incl[i];

		assert_int_equal(vault__tlog_prove_inclusion(p->a, p->size, mem_read, t,
		                                             proof, &n), VAULT_OK);
		assert_int_equal(n, p->n);
		for (k = 0; k < n; k++) {
			unhex(p->h[k], want);
			assert_memory_equal(proof[k], want, TLOG_HASH);
		}
		go_leaf(p->a, leaf);
		unhex(go_roots[p->size - 1], root);
		assert_int_equal(vault__tlog_check_inclusion(leaf, p->a, p->size, root,
		                                             (const unsigned char (*)[TLOG_HASH])proof,
		                                             n), 0);
	}
	test_free(t);
}

static void test_tlog__go_consistency_proofs(void **state)
{
	mem_tree *t = test_malloc(sizeof *t);
	unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH], want[TLOG_HASH],
	    r1[TLOG_HASH], r2[TLOG_HASH];
	size_t i, k, n;

	(void)state;
	build(t, 21);
	for (i = 0; i < sizeof go_cons / sizeof go_cons[0]; i++) {
		const struct proof_vec *p = &go_cons[i];

		assert_int_equal(vault__tlog_prove_consistency(p->a, p->size, mem_read,
		                                               t, proof, &n), VAULT_OK);
		assert_int_equal(n, p->n);
		for (k = 0; k < n; k++) {
			unhex(p->h[k], want);
			assert_memory_equal(proof[k], want, TLOG_HASH);
		}
		unhex(go_roots[p->a - 1], r1);
		unhex(go_roots[p->size - 1], r2);
		assert_int_equal(vault__tlog_check_consistency(p->a, r1, p->size, r2,
		                                               (const unsigned char (*)[TLOG_HASH])proof,
		                                               n), 0);
	}
	test_free(t);
}

/* Every proof between sizes 1..40 checks; flipping any bit of any hash,
 * or naming another index or size, makes it fail. */
static void test_tlog__all_proofs_and_their_forgeries(void **state)
{
	mem_tree *t = test_malloc(sizeof *t);
	unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH], roots[41][TLOG_HASH],
	    leaf[TLOG_HASH];
	const unsigned char (*cp)[TLOG_HASH] = (const unsigned char (*)[TLOG_HASH])proof;
	uint64_t m, n, i;
	size_t k, np;

	(void)state;
	build(t, 40);
	for (n = 1; n <= 40; n++)
		assert_int_equal(vault__tlog_tree_hash(n, mem_read, t, roots[n]), VAULT_OK);
	for (n = 1; n <= 40; n++) {
		for (i = 0; i < n; i++) {
			assert_int_equal(vault__tlog_prove_inclusion(i, n, mem_read, t,
			                                             proof, &np), VAULT_OK);
			go_leaf(i, leaf);
			assert_int_equal(vault__tlog_check_inclusion(leaf, i, n, roots[n], cp, np), 0);
			if (i + 1 < n)
				assert_int_not_equal(vault__tlog_check_inclusion(leaf, i + 1, n, roots[n], cp, np), 0);
			if (n < 40)
				assert_int_not_equal(vault__tlog_check_inclusion(leaf, i, n + 1, roots[n + 1], cp, np), 0);
			if (np > 0)
				assert_int_not_equal(vault__tlog_check_inclusion(leaf, i, n, roots[n], cp, np - 1), 0);
			for (k = 0; k < np; k++) {
				proof[k][k % TLOG_HASH] ^= 0x20;
				assert_int_not_equal(vault__tlog_check_inclusion(leaf, i, n, roots[n], cp, np), 0);
				proof[k][k % TLOG_HASH] ^= 0x20;
			}
			leaf[0] ^= 1;
			assert_int_not_equal(vault__tlog_check_inclusion(leaf, i, n, roots[n], cp, np), 0);
		}
		for (m = 1; m <= n; m++) {
			assert_int_equal(vault__tlog_prove_consistency(m, n, mem_read, t,
			                                               proof, &np), VAULT_OK);
			assert_int_equal(vault__tlog_check_consistency(m, roots[m], n, roots[n], cp, np), 0);
			if (m < n)
				assert_int_not_equal(vault__tlog_check_consistency(m, roots[m + 1], n, roots[n], cp, np), 0);
			if (m > 1)
				assert_int_not_equal(vault__tlog_check_consistency(m - 1, roots[m - 1], n, roots[n], cp, np), 0);
			for (k = 0; k < np; k++) {
				proof[k][31] ^= 0x80;
				assert_int_not_equal(vault__tlog_check_consistency(m, roots[m], n, roots[n], cp, np), 0);
				proof[k][31] ^= 0x80;
			}
		}
	}
	test_free(t);
}

static void test_tlog__bad_arguments(void **state)
{
	mem_tree *t = test_malloc(sizeof *t);
	unsigned char proof[TLOG_PROOF_MAX][TLOG_HASH], r[TLOG_HASH];
	size_t np = 99;

	(void)state;
	build(t, 5);
	assert_int_equal(vault__tlog_prove_inclusion(5, 5, mem_read, t, proof, &np),
	                 VAULT_ERR_INVALID);
	assert_int_equal(np, 0);
	assert_int_equal(vault__tlog_prove_consistency(0, 5, mem_read, t, proof, &np),
	                 VAULT_ERR_INVALID);
	assert_int_equal(vault__tlog_prove_consistency(6, 5, mem_read, t, proof, &np),
	                 VAULT_ERR_INVALID);
	/* a read failure comes back as it is */
	assert_int_equal(vault__tlog_tree_hash(9, mem_read, t, r), VAULT_ERR_NOT_FOUND);
	memset(r, 0, sizeof r);
	assert_int_not_equal(vault__tlog_check_inclusion(r, 0, 0, r, NULL, 0), 0);
	assert_int_not_equal(vault__tlog_check_consistency(0, r, 1, r, NULL, 0), 0);
	assert_int_not_equal(vault__tlog_check_consistency(2, r, 1, r, NULL, 0), 0);
	/* equal sizes: equal roots and an empty proof only */
	assert_int_equal(vault__tlog_check_consistency(3, r, 3, r, NULL, 0), 0);
	assert_int_not_equal(vault__tlog_check_consistency(3, r, 3, r,
	                     (const unsigned char (*)[TLOG_HASH])proof, 1), 0);
	test_free(t);
}

/* Appending costs O(1) hashes amortised and loading the edge one read per
 * set bit of the size. */
static void test_tlog__frontier_load_reads_log_n(void **state)
{
	mem_tree *t = test_malloc(sizeof *t);
	tlog_frontier g;

	(void)state;
	build(t, 63);
	t->reads = 0;
	assert_int_equal(vault__tlog_frontier_load(&g, 63, mem_read, t), VAULT_OK);
	assert_int_equal(t->reads, 6);
	assert_memory_equal(&g, &t->f, sizeof g);
	test_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlog__rfc6962_roots),
		cmocka_unit_test(test_tlog__go_roots),
		cmocka_unit_test(test_tlog__go_inclusion_proofs),
		cmocka_unit_test(test_tlog__go_consistency_proofs),
		cmocka_unit_test(test_tlog__all_proofs_and_their_forgeries),
		cmocka_unit_test(test_tlog__bad_arguments),
		cmocka_unit_test(test_tlog__frontier_load_reads_log_n),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
