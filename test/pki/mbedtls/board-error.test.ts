import { expect } from 'chai';
import {
  FLAG,
  VERIFY_FLAGS,
  boardError,
  flagsOf,
  invalidCertError,
  missingHostnameError,
  verificationUnavailableError,
  verifyInfoText,
} from '../../../src/pki/mbedtls/index.js';

const FUTURE_TEXT = '\nThe certificate validity starts in the future\n';

describe('mbedTLS verification model: what the board prints', () => {
  describe('verifyInfoText (mbedtls_x509_crt_verify_info with prefix "\\n")', () => {
    it('gives "\\n" + text + "\\n" for one flag', () => {
      expect(verifyInfoText(FLAG.BADCERT_FUTURE)).to.equal(FUTURE_TEXT);
      expect(verifyInfoText(FLAG.BADCERT_EXPIRED)).to.equal('\nThe certificate validity has expired\n');
      expect(verifyInfoText(FLAG.BADCERT_CN_MISMATCH)).to.equal('\nThe certificate Common Name (CN) does not match with the expected CN\n');
    });

    it('gives one line per flag in the order of the mbedTLS table, whatever order the bits are named in', () => {
      const flags = flagsOf(['BADCERT_BAD_MD', 'BADCERT_FUTURE', 'BADCERT_NOT_TRUSTED', 'BADCERT_EXPIRED']);
      expect(verifyInfoText(flags)).to.equal(
        '\nThe certificate validity has expired\n' +
          '\nThe certificate is not correctly signed by the trusted CA\n' +
          '\nThe certificate validity starts in the future\n' +
          '\nThe certificate is signed with an unacceptable hash.\n',
      );
    });

    it('covers every flag of the table with its own text', () => {
      for (const flag of VERIFY_FLAGS) expect(verifyInfoText(flag.bit)).to.equal(`\n${flag.text}\n`);
      expect(new Set(VERIFY_FLAGS.map((flag) => flag.bit)).size).to.equal(VERIFY_FLAGS.length);
    });

    it('ends with the unknown-reason line for bits outside the table', () => {
      expect(verifyInfoText(0x100000)).to.equal('\nUnknown reason (this should not happen)\n');
      expect(verifyInfoText(FLAG.BADCERT_FUTURE | 0x80000000)).to.equal(`${FUTURE_TEXT}\nUnknown reason (this should not happen)\n`);
    });

    it('is empty for no flags', () => {
      expect(verifyInfoText(0)).to.equal('');
    });
  });

  describe('boardError', () => {
    it('is OSError(-9984, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) up to v1.21 and ValueError with the verify-info text from v1.22', () => {
      const old = boardError(FLAG.BADCERT_FUTURE, 'v1.21.0');
      expect(old).to.deep.equal({
        type: 'OSError',
        args: [-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'],
        printed: "OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')",
        when: 'handshake',
      });
      const current = boardError(FLAG.BADCERT_FUTURE, 'v1.22.2');
      expect(current).to.deep.equal({ type: 'ValueError', args: [FUTURE_TEXT], printed: `ValueError: ${FUTURE_TEXT}`, when: 'handshake' });
      expect(current!.printed).to.equal('ValueError: \nThe certificate validity starts in the future\n');
    });

    it('follows the error form of every profile', () => {
      const forms = Object.fromEntries(
        ['v1.19.1-236', 'v1.20.0', 'v1.21.0', 'v1.22.2', 'v1.23.0', 'v1.24.1', 'v1.25.0-preview.300'].map((profile) => [profile, boardError(FLAG.BADCERT_EXPIRED, profile)!.type]),
      );
      expect(forms).to.deep.equal({
        'v1.19.1-236': 'OSError',
        'v1.20.0': 'OSError',
        'v1.21.0': 'OSError',
        'v1.22.2': 'ValueError',
        'v1.23.0': 'ValueError',
        'v1.24.1': 'ValueError',
        'v1.25.0-preview.300': 'ValueError',
      });
    });

    it('prints several flags as several lines', () => {
      const error = boardError(FLAG.BADCERT_CN_MISMATCH | FLAG.BADCERT_FUTURE, 'v1.24.1')!;
      expect(error.printed).to.equal(
        'ValueError: \nThe certificate Common Name (CN) does not match with the expected CN\n\nThe certificate validity starts in the future\n',
      );
    });

    it('is nothing when there are no flags (the handshake passes)', () => {
      expect(boardError(0, 'v1.24.1')).to.be.undefined;
      expect(boardError(0, 'v1.21.0')).to.be.undefined;
    });

    it('falls back to the OSError when the text does not fit MicroPython\'s 256-byte buffer', () => {
      const flags = flagsOf(['BADCERT_EXPIRED', 'BADCERT_CN_MISMATCH', 'BADCERT_NOT_TRUSTED', 'BADCERT_FUTURE']);
      expect(verifyInfoText(flags).length).to.equal(214);
      expect(boardError(flags, 'v1.24.1')!.type).to.equal('ValueError');
      const more = flags | FLAG.BADCERT_BAD_MD;
      expect(verifyInfoText(more).length).to.equal(268);
      const error = boardError(more, 'v1.24.1')!;
      expect(error.printed).to.equal("OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')");
      expect(error.note).to.match(/does not fit MicroPython's 256-byte buffer/);
    });

    it('raises MBEDTLS_ERR_SSL_BAD_CERTIFICATE when only the leaf\'s key usage was refused', () => {
      const error = boardError(FLAG.BADCERT_EXT_KEY_USAGE, 'v1.24.1')!;
      expect(error.printed).to.equal("OSError: (-31232, 'MBEDTLS_ERR_SSL_BAD_CERTIFICATE')");
      expect(boardError(FLAG.BADCERT_EXT_KEY_USAGE | FLAG.BADCERT_FUTURE, 'v1.24.1')!.type).to.equal('ValueError');
    });
  });

  describe('errors before the handshake', () => {
    it('requires server_hostname with CERT_REQUIRED from v1.22 only', () => {
      expect(missingHostnameError('v1.21.0')).to.be.undefined;
      expect(missingHostnameError('v1.22.2')).to.deep.equal({
        type: 'ValueError',
        args: ['CERT_REQUIRED requires server_hostname'],
        printed: 'ValueError: CERT_REQUIRED requires server_hostname',
        when: 'before-handshake',
      });
      expect(missingHostnameError('v1.24.1')!.printed).to.equal('ValueError: CERT_REQUIRED requires server_hostname');
    });

    it('raises ValueError("invalid cert") for cadata it cannot parse', () => {
      expect(invalidCertError().printed).to.equal('ValueError: invalid cert');
    });

    it('has no cert_reqs/cadata on v1.19.1-88', () => {
      expect(verificationUnavailableError('v1.19.1-88')!.printed).to.equal('TypeError: extra keyword arguments given');
      expect(verificationUnavailableError('v1.19.1-236')).to.be.undefined;
    });
  });
});
