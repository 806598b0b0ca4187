// SPDX-License-Identifier: GPL-2.0
/* fcapsule pool: the warm pool's configuration and shells (pool.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pool.h"
#include "xl.h"

/* Keep @o->count shells of @o's kind; the OS server makes or drops them. */
static int fc_pool_set(const struct fc_pool_opts *o)
{
	struct fc_pool_spec s = { 0 };
	char kernel[FC_PATH_MAX];
	int err;

	if (fc_image_resolve(o->image, fc_image_dir(o->image_dir), kernel,
			     sizeof(kernel))) {
		fprintf(stderr,
			"fcapsule pool: unknown image '%s' (no file %s)\n",
			o->image, kernel);
		return FC_EXIT_NO_IMAGE;
	}
	if (!realpath(kernel, s.kernel))
		snprintf(s.kernel, sizeof(s.kernel), "%s", kernel);
	s.memory_mb = o->memory_mb;
	s.vcpus = o->vcpus;
	s.net = o->net;
	s.count = o->count;
	err = fc_pool_conf_set(&s);
	if (err) {
		fprintf(stderr, "fcapsule pool: %s\n",
			err == -ENOSPC ? "too many kinds of shell (16 at most)"
				       : strerror(-err));
		return FC_EXIT_FAIL;
	}
	if (fc_server_ensure())
		fprintf(stderr,
			"fcapsule pool: warning: the OS server did not start: "
			"no shells are made until it runs\n");
	return FC_EXIT_OK;
}

int main_pool(int argc, char **argv)
{
	struct fc_pool_opts o;
	char err[FC_ERR_MAX];
	struct fc_xl x = { 0 };
	int ret;

	ret = fc_parse_pool_args(argc, argv, &o, err);
	if (ret)
		return fc_parse_exit("pool", ret, err);
	ret = fc_check_root();
	if (ret)
		return ret;
	if (!strcmp(o.action, "set"))
		return fc_pool_set(&o);
	if (!strcmp(o.action, "ls"))
		return fc_pool_print(stdout, o.json) ? FC_EXIT_FAIL
						     : FC_EXIT_OK;
	ret = fc_xl_open_root(&x);
	if (ret)
		return ret;
	ret = fc_pool_fill(&x) ? FC_EXIT_FAIL : FC_EXIT_OK;
	fc_xl_close(&x);
	return ret;
}
