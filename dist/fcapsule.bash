# bash completion for fcapsule: the commands and each one's options come
# from the tool's own command table (fcapsule help --commands, help CMD).
_fcapsule()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i words
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			words="-v --version --help"
		else
			words=$(fcapsule help --commands 2>/dev/null)
		fi
	elif [[ $cur == -* ]]; then
		words=$(fcapsule help "$cmd" 2>/dev/null |
			grep -o -- '--\?[a-zA-Z][a-z-]*' | sort -u)
		words="$words --help"
	elif [ "$cmd" = help ]; then
		words=$(fcapsule help --commands 2>/dev/null)
	else
		# app VM names and ids, for the commands that take them
		words=$(fcapsule ps -a --json 2>/dev/null |
			grep -o '"name": "[^"]*"' | cut -d'"' -f4)
	fi
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}
complete -F _fcapsule fcapsule
