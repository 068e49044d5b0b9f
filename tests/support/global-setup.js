// Before any test: which of the optional databases (PostgreSQL, MySQL) answer on their port.
// Test files read the result from the environment the workers inherit. With REQUIRE_DATABASES=1 (CI)
// an unreachable database stops the run instead of its tests being skipped.
const net = require('node:net');

const DEFAULTS = {
  TEST_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/test',
  TEST_MYSQL_URL: 'mysql://root@127.0.0.1:3306/test',
};

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

module.exports = async () => {
  for (const [name, fallback] of Object.entries(DEFAULTS)) {
    const url = process.env[name] || fallback;
    process.env[name] = url;
    const ok = await reachable(url);
    process.env[`${name}_REACHABLE`] = ok ? '1' : '0';
    if (!ok && process.env.REQUIRE_DATABASES === '1') throw new Error(`${name} (${url.split('@').pop()}) is unreachable and REQUIRE_DATABASES=1`);
    if (!ok) console.warn(`\n${name} unreachable: its tests are skipped (set REQUIRE_DATABASES=1 to fail instead)`);
  }
};
