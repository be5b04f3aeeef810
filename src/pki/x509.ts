// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata polyfill loaded before the library itself; ESM evaluates imports in order.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

/** Node's WebCrypto: what @peculiar/x509 signs and hashes with. */
export const nodeWebCrypto = webcrypto;

x509.cryptoProvider.set(nodeWebCrypto);

export { x509 };
