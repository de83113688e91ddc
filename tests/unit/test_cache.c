/* Unit tests for lib/cache: round trip, misses, and that a writer killed at a
 * random moment leaves only whole entries behind. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "t.h"
#include "base/diag.h"
#include "rec/cache.h"

/* Every *.json entry under dir/tool parses; returns the count, -1 on a torn one. */
static int check_entries(const char *root)
{
	int n = 0;
	DIR *d = opendir(root);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[1024];
		snprintf(sub, sizeof sub, "%s/%s", root, e->d_name);
		DIR *d2 = opendir(sub);
		if (!d2)
			continue;
		struct dirent *f;
		while ((f = readdir(d2))) {
			size_t l = strlen(f->d_name);
			if (l < 5 || strcmp(f->d_name + l - 5, ".json") || f->d_name[0] == '.')
				continue;
			char p[2048];
			snprintf(p, sizeof p, "%s/%s", sub, f->d_name);
			jv v = jv_load_file(p, 1);
			if (!jv_is_valid(v)) {
				jv_free(v);
				n = -1;
				break;
			}
			jv_free(v);
			n++;
		}
		closedir(d2);
		if (n < 0)
			break;
	}
	closedir(d);
	return n;
}

int main(void)
{
	ls_progname = "test_cache";
	char dir[] = "/tmp/test_cache.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	ls_cache *c = cache_open(dir, "tool", "1", "opt=1;");
	jv in = jv_parse("{\"id\":\"a\",\"x\":[1,2]}");
	char k1[33], k2[33];
	cache_key(c, in, k1);
	jv in2 = jv_parse("{\"x\":[1,2],\"id\":\"a\"}");
	cache_key(c, in2, k2);
	T_EQ_STR(k1, k2, "key ignores key order (canonical form)");
	jv miss = cache_get(c, k1);
	T_OK(!jv_is_valid(miss), "miss before put");
	jv_free(miss);
	T_EQ_INT(cache_put(c, k1, jv_parse("{\"r\":42}")), 0, "put");
	jv hit = cache_get(c, k1);
	T_OK(jv_is_valid(hit), "hit after put");
	jv_free(hit);
	ls_cache *c2 = cache_open(dir, "tool", "1", "opt=2;");
	char k3[33];
	cache_key(c2, in, k3);
	T_OK(strcmp(k1, k3) != 0, "other options, other key");
	cache_close(c2);
	jv_free(in);
	jv_free(in2);
	cache_close(c);

	/* Kill writers at random moments; every entry left must be whole. */
	char root[600];
	snprintf(root, sizeof root, "%s/kill", dir);
	int torn = 0, total = 0;
	srand(1);
	for (int round = 0; round < 8; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			ls_cache *w = cache_open(dir, "kill", "1", "");
			char big[200000];
			memset(big, 'x', sizeof big - 1);
			big[sizeof big - 1] = 0;
			for (int i = 0;; i++) {
				char key[33];
				jv k = jv_number(round * 100000 + i);
				cache_key(w, k, key);
				jv_free(k);
				cache_put(w, key, jv_string(big));
			}
		}
		struct timespec ts = { 0, (long)(rand() % 20 + 1) * 1000000L };
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		int n = check_entries(root);
		if (n < 0)
			torn = 1;
		else
			total = n;
	}
	T_OK(!torn, "a killed writer leaves no torn entry");
	T_OK(total > 0, "and the entries written before the kill are there");
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
