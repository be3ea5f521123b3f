package commands

// The completion scripts ask prefect-secrets itself for candidates:
//
//	prefect-secrets __complete WORDS... CURRENT
//
// with the words before the cursor and the word being completed (empty
// after a space), so candidates come from the one command tree (and the
// secret names from the sources) and never go stale. None of them evals
// the command line. After a "--" (exec's command) each hands the rest to
// the shell's own completion of commands.
func completionScript(shell string) (string, bool) {
	switch shell {
	case "bash":
		return bashCompletion, true
	case "zsh":
		return zshCompletion, true
	case "fish":
		return fishCompletion, true
	case "powershell":
		return powershellCompletion, true
	}
	return "", false
}

// bash splits words at COMP_WORDBREAKS ("=" and ":" among them), so the
// script reads the line itself (up to the cursor) and trims from each
// candidate what bash keeps in front of its current word. Works with bash
// 3.2 (macOS) and later, with or without the bash-completion package.
const bashCompletion = `# bash completion for prefect-secrets.
# Install: prefect-secrets completion bash > ~/.local/share/bash-completion/completions/prefect-secrets
# or, in ~/.bashrc: source <(prefect-secrets completion bash)
_prefect_secrets_complete() {
    local IFS=$' \t\n' line=${COMP_LINE:0:COMP_POINT} cur prog i prefix word
    local -a words candidates
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == -- ]]; then
            if declare -F _command_offset >/dev/null 2>&1; then
                _command_offset $((i + 1))
            else
                compopt -o default 2>/dev/null
            fi
            return 0
        fi
    done
    read -r -a words <<<"$line"
    if [[ -z $line || $line == *[[:space:]] ]]; then
        cur=
    else
        cur=${words[${#words[@]}-1]}
        unset "words[${#words[@]}-1]"
    fi
    prog=${words[0]}
    [[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
    IFS=$'\n'
    candidates=($("$prog" __complete "${words[@]:1}" "$cur" 2>/dev/null))
    word=${COMP_WORDS[COMP_CWORD]}
    if [[ ${#candidates[@]} == 1 && ${candidates[0]} == __files__ ]]; then
        compopt -o filenames 2>/dev/null
        [[ $word == = ]] && word=
        COMPREPLY=($(compgen -f -- "$word"))
        return 0
    fi
    prefix=
    [[ -n $cur && $cur == *"$word" ]] && prefix=${cur%"$word"}
    for i in "${candidates[@]}"; do
        COMPREPLY+=("${i#"$prefix"}")
    done
    return 0
}
complete -F _prefect_secrets_complete prefect-secrets
`

const zshCompletion = `#compdef prefect-secrets
# zsh completion for prefect-secrets.
# Install: prefect-secrets completion zsh > "${fpath[1]}/_prefect-secrets"
# or, in ~/.zshrc after compinit: source <(prefect-secrets completion zsh)
_prefect_secrets() {
    local -a candidates
    local i
    for ((i = 2; i < CURRENT; i++)); do
        if [[ ${words[i]} == -- ]]; then
            shift $i words
            (( CURRENT -= i ))
            _normal
            return
        fi
    done
    candidates=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null)}")
    candidates=(${candidates:#})
    if [[ ${candidates[1]} == __files__ ]]; then
        [[ ${words[CURRENT]} == -*=* ]] && compset -P '*='
        _files
        return
    fi
    (( ${#candidates} )) && compadd -- "${candidates[@]}"
}
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _prefect_secrets "$@"
else
    compdef _prefect_secrets prefect-secrets
fi
`

const fishCompletion = `# fish completion for prefect-secrets.
# Install: prefect-secrets completion fish > ~/.config/fish/completions/prefect-secrets.fish
function __prefect_secrets_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l dashdash (contains -i -- -- $words)
    if test -n "$dashdash"
        __fish_complete_subcommand --commandline $words[(math $dashdash + 1)..-1] $cur
        return
    end
    set -l prog $words[1]
    set -e words[1]
    set -l candidates ($prog __complete $words $cur 2>/dev/null)
    if test "$candidates" = __files__
        set -l prefix (string match -r -- '^-[^=]*=' $cur)
        for path in (__fish_complete_path (string replace -r -- '^-[^=]*=' '' $cur))
            echo "$prefix$path"
        end
        return
    end
    printf '%s\n' $candidates
end
complete -c prefect-secrets -f -a '(__prefect_secrets_complete)'
`

// PowerShell before 7.3 drops an empty argument to a native command, so
// an empty current word goes as '""', which those versions pass as "".
const powershellCompletion = `# PowerShell completion for prefect-secrets.
# Install: prefect-secrets completion powershell >> $PROFILE
Register-ArgumentCompleter -Native -CommandName 'prefect-secrets', 'prefect-secrets.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -lt $cursorPosition } |
        ForEach-Object { $_.Extent.Text })
    if ($words -contains '--') { return }
    $prog = $words[0]
    $rest = @($words | Select-Object -Skip 1)
    $cur = $wordToComplete
    if ($cur -eq '' -and $PSVersionTable.PSVersion -lt [version]'7.3') { $cur = '""' }
    $candidates = @(& $prog __complete @rest $cur 2>$null)
    # A FILE value: returning nothing lets PowerShell complete paths.
    if ($candidates.Count -eq 1 -and $candidates[0] -eq '__files__') { return }
    $candidates | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`
