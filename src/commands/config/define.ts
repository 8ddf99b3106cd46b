import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';

export function define(command: Command, lazy: Lazy): void {
  command
    .argument('[key]', 'the setting to show or change')
    .argument('[value]', 'the new value (written to the hexts config file)')
    .option('--delete', 'remove KEY from the config file')
    .addHelpText('after', `
Precedence: flag > environment > config file > default. Secrets are never shown here.
oauth_client_id is kept per registry: it is set and shown for the API URL in use (--api-url).

Examples:
  hexts config                         list every setting and its source
  hexts config api_url                 print one value
  hexts config http_timeout 60         set a value in the config file
  hexts config http_timeout --delete   remove it again`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
