// SPDX-License-Identifier: GPL-2.0
/* Command line -> argv (start_info->cmd_line is one flat string). */
#include <fcos/lib.h>
#include <fcos/alias.h>

int fcos_split_args(char *buf, const char *argv0, char **argv, int max)
{
	int argc = 0;
	char *r = buf, *w;

	if (max < 1)
		return 0;
	if (argv0 && argc < max - 1)
		argv[argc++] = (char *)argv0;
	while (r && *r && argc < max - 1) {
		int quoted = 0;

		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			break;
		/* Copy the word down over itself, dropping quote marks. */
		argv[argc++] = w = r;
		for (; *r; r++) {
			if (*r == '"') {
				quoted = !quoted;
				continue;
			}
			if (!quoted && (*r == ' ' || *r == '\t'))
				break;
			*w++ = *r;
		}
		if (*r)
			r++;
		*w = '\0';
	}
	argv[argc] = NULL;
	return argc;
}
