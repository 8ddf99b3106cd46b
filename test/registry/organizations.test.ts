import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type Registry } from '../../registry/server.js';
import { call } from './test-client.js';

// api.md §3 (roles) and §4 (organizations, members, repositories).

describe('organizations', () => {
  let registry: Registry;
  let admin: string;
  let reader: string;
  let outsider: string;

  before(async () => {
    registry = await startRegistry();
    for (const username of ['alice', 'bob', 'carol', 'dave']) registry.createUser({ username });
    const created = await call(registry, 'POST', '/_test/orgs', { body: { name: 'acme', admin: 'alice' } });
    assert.equal(created.status, 201);
    registry.createOrganization({ name: 'zeta', admin: 'alice', seats: 2 });
    registry.addMember('acme', 'bob', 'read');
    admin = registry.createKey({ user: 'alice' }, { name: 'k' });
    reader = registry.createKey({ user: 'bob' }, { name: 'k' });
    outsider = registry.createKey({ user: 'dave' }, { name: 'k' });
  });
  after(() => registry.stop());

  test('GET /api/orgs lists the caller’s organizations', async () => {
    for (const format of ['json', 'erlang'] as const) {
      const res = await call(registry, 'GET', '/api/orgs', { auth: admin, format });
      assert.equal(res.status, 200);
      assert.deepEqual(res.data.map((o: { name: string }) => o.name), ['acme', 'zeta']);
      assert.equal(res.data[0].billing_active, true);
      assert.ok(res.data[0].inserted_at);
    }
    assert.deepEqual((await call(registry, 'GET', '/api/orgs')).data, []);
  });

  test('GET /api/orgs/:org needs read access; hidden ones are 404', async () => {
    const res = await call(registry, 'GET', '/api/orgs/zeta', { auth: admin });
    assert.equal(res.status, 200);
    assert.equal(res.data.seats, 2);
    assert.equal((await call(registry, 'GET', '/api/orgs/acme', { auth: reader })).status, 200);
    assert.equal((await call(registry, 'GET', '/api/orgs/acme', { auth: outsider })).status, 404);
    assert.equal((await call(registry, 'GET', '/api/orgs/acme')).status, 404);
    assert.equal((await call(registry, 'GET', '/api/orgs/nope', { auth: admin })).status, 404);
  });

  test('members: list, show, add, change role, remove', async () => {
    const list = await call(registry, 'GET', '/api/orgs/acme/members', { auth: reader });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.data.map((m: { username: string; role: string }) => [m.username, m.role]),
      [['alice', 'admin'], ['bob', 'read']],
    );
    const one = await call(registry, 'GET', '/api/orgs/acme/members/bob', { auth: admin, format: 'erlang' });
    assert.equal(one.data.role, 'read');
    assert.equal(one.data.username, 'bob');

    const readerAdds = await call(registry, 'POST', '/api/orgs/acme/members', { auth: reader, body: { name: 'carol', role: 'write' } });
    assert.equal(readerAdds.status, 404);
    const added = await call(registry, 'POST', '/api/orgs/acme/members', { auth: admin, body: { name: 'carol', role: 'write' } });
    assert.equal(added.status, 200);
    assert.equal(added.headers.location, '/api/orgs/acme/members/carol');
    assert.equal(added.data.role, 'write');

    const errors: Array<[Record<string, unknown>, unknown]> = [
      [{ name: 'nobody', role: 'read' }, { name: 'unknown user' }],
      [{ name: 'carol', role: 'read' }, { user_id: 'is already member' }],
      [{ name: 'dave', role: 'owner' }, { role: 'is invalid' }],
      [{ name: 'acme', role: 'read' }, 'cannot add an organization as member to an organization'],
    ];
    for (const [body, expected] of errors) {
      const res = await call(registry, 'POST', '/api/orgs/acme/members', { auth: admin, body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.deepEqual(res.data.errors, expected, JSON.stringify(body));
    }
    const changed = await call(registry, 'POST', '/api/orgs/acme/members/carol', { auth: admin, body: { role: 'read' } });
    assert.deepEqual([changed.status, changed.data.role], [200, 'read']);
    const lastAdmin = await call(registry, 'POST', '/api/orgs/acme/members/alice', { auth: admin, body: { role: 'write' } });
    assert.deepEqual([lastAdmin.status, lastAdmin.data.errors], [422, 'cannot demote last admin member']);
    const removed = await call(registry, 'DELETE', '/api/orgs/acme/members/carol', { auth: admin });
    assert.equal(removed.status, 204);
    assert.equal((await call(registry, 'GET', '/api/orgs/acme/members/carol', { auth: admin })).status, 404);
  });

  test('seats limit members and the last member stays', async () => {
    const first = await call(registry, 'POST', '/api/orgs/zeta/members', { auth: admin, body: { name: 'bob', role: 'read' } });
    assert.equal(first.status, 200);
    const full = await call(registry, 'POST', '/api/orgs/zeta/members', { auth: admin, body: { name: 'carol', role: 'read' } });
    assert.deepEqual([full.status, full.data.errors], [422, 'not enough seats to add member']);
    const fewer = await call(registry, 'POST', '/api/orgs/zeta', { auth: admin, body: { seats: 1 } });
    assert.deepEqual([fewer.status, fewer.data.errors], [422, 'number of seats cannot be less than number of members']);
    assert.equal((await call(registry, 'POST', '/api/orgs/zeta', { auth: admin, body: { seats: 5 } })).data.seats, 5);
    assert.equal((await call(registry, 'DELETE', '/api/orgs/zeta/members/bob', { auth: admin })).status, 204);
    const last = await call(registry, 'DELETE', '/api/orgs/zeta/members/alice', { auth: admin });
    assert.deepEqual([last.status, last.data.errors], [422, 'cannot remove last member']);
  });

  test('GET /api/repos: hexpm first, then the caller’s organizations', async () => {
    const anonymous = await call(registry, 'GET', '/api/repos');
    assert.deepEqual(anonymous.data.map((r: { name: string }) => r.name), ['hexpm']);
    assert.equal(anonymous.headers['cache-control'], 'public, max-age=60');
    const mine = await call(registry, 'GET', '/api/repos', { auth: admin, format: 'erlang' });
    assert.deepEqual(mine.data.map((r: { name: string }) => r.name), ['hexpm', 'acme', 'zeta']);
    assert.equal((await call(registry, 'GET', '/api/repos/acme', { auth: reader })).data.name, 'acme');
    assert.equal((await call(registry, 'GET', '/api/repos/acme', { auth: outsider })).status, 404);
    assert.equal((await call(registry, 'GET', '/api/repos/hexpm')).status, 200);
  });
});
