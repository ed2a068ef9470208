// Preload for third-party processes in tests (node -r ./loopback-only.cjs …): every server
// listens on 127.0.0.1 only, and outgoing connections and DNS look-ups to anything but
// loopback are refused. The Agents Playground has no host flag, and its telemetry SDK tries the
// network even with --disable-telemetry.
'use strict';
const net = require('node:net');
const dns = require('node:dns');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (first.path === undefined) args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  } else if (args.length === 0 || typeof first === 'function') {
    args.unshift(0, '127.0.0.1');
  }
  return listen.apply(this, args);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (first !== null && typeof first === 'object') {
    if (first.path) return connect.apply(this, args);
    host = first.host;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return connect.apply(this, args); // a unix socket path
  } else {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  host = host ?? 'localhost';
  if (!LOOPBACK.has(host)) {
    process.nextTick(() => this.destroy(new Error(`refused: ${host} is not loopback`)));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  if (hostname && !LOOPBACK.has(hostname)) {
    process.nextTick(() => done(Object.assign(new Error(`refused look-up of ${hostname}`), { code: 'ENOTFOUND' })));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};
