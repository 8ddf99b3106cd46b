import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { keyOptions, otpOption, pick } from '../options.js';

const organizationOption = (command: Command): Command =>
  command.option('--organization <org>', 'the organization whose repository holds the package (private packages)');

export function define(owner: Command, lazy: Lazy): void {
  const owners = () => import('./owners.js');
  owner.addHelpText('after', `
Owner levels: full owners can also add and remove owners; maintainers can publish, revert,
retire and upload docs. In an organization's repository its members' roles decide instead
(admin manages owners, write publishes).`);

  const add = owner.command('add');
  otpOption(keyOptions(organizationOption(add)))
    .description('add an owner to a package')
    .argument('<package>', 'package name')
    .argument('<user>', 'username or (public) email address of the new owner')
    .addOption(add.createOption('--level <level>', 'ownership level').choices(['full', 'maintainer']).default('full'))
    .addHelpText('after', `
Examples:
  hexts owner add my_pkg alice                       alice becomes a full owner
  hexts owner add my_pkg bob@example.com --level maintainer
  hexts owner add my_pkg carol --organization acme   a private package of acme`)
    .action(lazy(pick(owners, 'add')));

  otpOption(keyOptions(organizationOption(owner.command('transfer'))))
    .description('hand a package over to a user or an organization, removing every other owner')
    .argument('<package>', 'package name')
    .argument('<owner>', 'username, email address or organization that becomes the only owner')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .addHelpText('after', `
On a terminal you confirm by typing the package name. Transferring to an organization is the
only way to make it an owner.

Examples:
  hexts owner transfer my_pkg acme          acme's members manage my_pkg from now on
  hexts owner transfer my_pkg alice --yes   in a script`)
    .action(lazy(pick(owners, 'transfer')));

  otpOption(keyOptions(organizationOption(owner.command('remove'))))
    .description('remove an owner from a package')
    .argument('<package>', 'package name')
    .argument('<user>', 'username or email address of the owner to remove')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .addHelpText('after', `
Examples:
  hexts owner remove my_pkg alice
  hexts owner remove my_pkg alice --yes     in a script`)
    .action(lazy(pick(owners, 'remove')));

  keyOptions(organizationOption(owner.command('list')))
    .description('list the owners of a package and their levels')
    .argument('<package>', 'package name')
    .addHelpText('after', `
Examples:
  hexts owner list my_pkg
  hexts --json owner list my_pkg --organization acme`)
    .action(lazy(pick(owners, 'list'), { json: true }));

  keyOptions(owner.command('packages'))
    .description('list the packages you own, in every repository')
    .action(lazy(pick(owners, 'packages'), { json: true }));
}
