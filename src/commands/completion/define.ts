import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';

export function define(completion: Command, lazy: Lazy): void {
  completion
    .addArgument(completion.createArgument('<shell>', 'the shell to complete for').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `
The script completes every command, subcommand, option and argument choice of this hexts
version; print it again after upgrading.

Install:
  bash   echo 'source <(hexts completion bash)' >> ~/.bashrc
  zsh    echo 'source <(hexts completion zsh)' >> ~/.zshrc        (after compinit)
  fish   hexts completion fish > ~/.config/fish/completions/hexts.fish`)
    .action(lazy(() => import('./run.js')));
}
