import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, type IAsnConverter, type IAsnConvertible } from '@peculiar/asn1-schema';
import type { Asn1Block } from './der-checks.js';

/**
 * Schemas (for @peculiar/asn1-schema) of the parts of a certificate that mbedTLS reads as bytes
 * while @peculiar/asn1-x509 decodes them into strings and Dates: name attribute values
 * (x509_name_cmp compares string tag and bytes), validity times (mbedTLS's own time rules) and
 * subjectAltName entries (iPAddress compared as bytes, any entry type kept). The classes carry
 * the names of the X.509 structures they view: the library names them in its errors.
 */

/** One element as its identifier octet, content bytes and offset in the decoded buffer. */
export class RawElement implements IAsnConvertible<Asn1Block> {
  identifier = 0;
  content: Uint8Array = new Uint8Array(0);
  offset = 0;

  fromASN(block: Asn1Block): this {
    const whole = block.valueBeforeDecodeView;
    this.identifier = whole[0] ?? 0;
    this.content = whole.subarray(block.idBlock.blockLength + block.lenBlock.blockLength);
    this.offset = whole.byteOffset;
    return this;
  }

  toASN(): never {
    throw new Error('RawElement is read-only');
  }

  toSchema(): never {
    throw new Error('RawElement has no schema; declare it as AsnPropTypes.Any with RAW_ELEMENT');
  }
}

const RAW_ELEMENT: IAsnConverter<RawElement, Asn1Block> = {
  fromASN: (block) => new RawElement().fromASN(block),
  toASN: () => {
    throw new Error('RawElement is read-only');
  },
};

/** Declares one field of a schema class (the decorator, applied without decorator syntax). */
function field(target: abstract new () => object, key: string, options: Parameters<typeof AsnProp>[0]): void {
  AsnProp(options)(target.prototype, key);
}

class AttributeTypeAndValue {
  type = '';
  value = new RawElement();
}
field(AttributeTypeAndValue, 'type', { type: AsnPropTypes.ObjectIdentifier });
field(AttributeTypeAndValue, 'value', { type: AsnPropTypes.Any, converter: RAW_ELEMENT });

/** Members in encoding order. */
class RelativeDistinguishedName extends AsnArray<AttributeTypeAndValue> {}
AsnType({ type: AsnTypeTypes.Set, itemType: AttributeTypeAndValue })(RelativeDistinguishedName);

class Name extends AsnArray<RelativeDistinguishedName> {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RelativeDistinguishedName })(Name);

class Validity {
  notBefore = new RawElement();
  notAfter = new RawElement();
}
field(Validity, 'notBefore', { type: AsnPropTypes.Any, converter: RAW_ELEMENT });
field(Validity, 'notAfter', { type: AsnPropTypes.Any, converter: RAW_ELEMENT });

/** tbsCertificate up to the public key; the fields before the issuer only hold their places. */
class TBSCertificate {
  issuer = new Name();
  validity = new Validity();
  subject = new Name();
  /** The whole SubjectPublicKeyInfo DER, as node:crypto imports it. */
  subjectPublicKeyInfo = new ArrayBuffer(0);
}
field(TBSCertificate, 'version', { type: AsnPropTypes.Any, context: 0, optional: true });
field(TBSCertificate, 'serialNumber', { type: AsnPropTypes.Any });
field(TBSCertificate, 'signature', { type: AsnPropTypes.Any });
field(TBSCertificate, 'issuer', { type: Name });
field(TBSCertificate, 'validity', { type: Validity });
field(TBSCertificate, 'subject', { type: Name });
field(TBSCertificate, 'subjectPublicKeyInfo', { type: AsnPropTypes.Any });

class Certificate {
  tbsCertificate = new TBSCertificate();
}
field(Certificate, 'tbsCertificate', { type: TBSCertificate });

/** Every entry kept as tag and bytes. */
class GeneralNames extends AsnArray<RawElement> {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RawElement })(GeneralNames);

export { Certificate as CertificateView, GeneralNames as RawGeneralNames, Name as RawName };
