import { expect } from 'chai';
import { FLAG, alertFor, flagsOf } from '../../../src/pki/mbedtls/index.js';

describe('mbedTLS verification model: the alert the board sends', () => {
  it('sends certificate_unknown (46) for a certificate from the future: what a cold-boot failure shows on the server', () => {
    expect(alertFor(FLAG.BADCERT_FUTURE)).to.deep.equal({ name: 'certificate_unknown', code: 46, level: 'fatal' });
  });

  it('maps each flag to the alert of ssl_tls.c with its RFC 5246 code', () => {
    const table = Object.fromEntries(
      (['BADCERT_EXPIRED', 'BADCERT_NOT_TRUSTED', 'BADCERT_CN_MISMATCH', 'BADCERT_BAD_KEY', 'BADCERT_BAD_PK', 'BADCERT_KEY_USAGE', 'BADCERT_EXT_KEY_USAGE', 'BADCERT_BAD_MD', 'BADCERT_OTHER', 'BADCERT_REVOKED'] as const).map(
        (flag) => [flag, [alertFor(FLAG[flag])!.name, alertFor(FLAG[flag])!.code]],
      ),
    );
    expect(table).to.deep.equal({
      BADCERT_EXPIRED: ['certificate_expired', 45],
      BADCERT_NOT_TRUSTED: ['unknown_ca', 48],
      BADCERT_CN_MISMATCH: ['bad_certificate', 42],
      BADCERT_BAD_KEY: ['unsupported_certificate', 43],
      BADCERT_BAD_PK: ['unsupported_certificate', 43],
      BADCERT_KEY_USAGE: ['unsupported_certificate', 43],
      BADCERT_EXT_KEY_USAGE: ['unsupported_certificate', 43],
      BADCERT_BAD_MD: ['certificate_unknown', 46],
      BADCERT_OTHER: ['access_denied', 49],
      BADCERT_REVOKED: ['certificate_revoked', 44],
    });
  });

  it('picks by precedence when several flags are set: CN mismatch, then usage/key, then expired, then not trusted, else certificate_unknown', () => {
    const pick = (...names: Parameters<typeof flagsOf>[0]): string | undefined => alertFor(flagsOf(names))?.name;
    expect(pick('BADCERT_FUTURE', 'BADCERT_NOT_TRUSTED')).to.equal('unknown_ca');
    expect(pick('BADCERT_EXPIRED', 'BADCERT_CN_MISMATCH')).to.equal('bad_certificate');
    expect(pick('BADCERT_EXPIRED', 'BADCERT_BAD_KEY')).to.equal('unsupported_certificate');
    expect(pick('BADCERT_EXPIRED', 'BADCERT_NOT_TRUSTED', 'BADCERT_FUTURE')).to.equal('certificate_expired');
    expect(pick('BADCERT_FUTURE', 'BADCERT_BAD_MD')).to.equal('certificate_unknown');
    expect(alertFor(flagsOf(['BADCERT_EXPIRED', 'BADCERT_CN_MISMATCH']))!.decidedBy).to.equal('BADCERT_CN_MISMATCH');
  });

  it('sends nothing when the chain passes', () => {
    expect(alertFor(0)).to.be.undefined;
  });
});
