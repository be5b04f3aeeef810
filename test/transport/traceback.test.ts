import { expect } from 'chai';
import { parseTraceback, parseTupleRepr } from '../../src/transport/traceback.js';

const tb = (...lines: string[]): string => `${lines.join('\r\n')}\r\n`;

describe('parseTraceback', function () {
  it('reads the frames, the innermost <stdin> line, the type and the message', function () {
    const text = tb(
      'Traceback (most recent call last):',
      '  File "<stdin>", line 9, in <module>',
      '  File "<stdin>", line 4, in connect',
      '  File "lib/net.py", line 120, in join',
      'OSError: [Errno 110] ETIMEDOUT',
    );
    const exception = parseTraceback(text);
    expect(exception).to.include({ type: 'OSError', message: '[Errno 110] ETIMEDOUT', errno: 110, line: 4, text });
    expect(exception.args).to.deep.equal([110]);
    expect(exception.frames).to.deep.equal([
      { file: '<stdin>', line: 9, scope: '<module>' },
      { file: '<stdin>', line: 4, scope: 'connect' },
      { file: 'lib/net.py', line: 120, scope: 'join' },
    ]);
  });

  it('reads an OSError with a known errno and a second argument', function () {
    const exception = parseTraceback(tb('Traceback (most recent call last):', '  File "<stdin>", line 1, in <module>', 'OSError: [Errno 2] ENOENT: missing.txt'));
    expect(exception.errno).to.equal(2);
    expect(exception.args).to.deep.equal([2, 'missing.txt']);
  });

  it('reads a KeyboardInterrupt printed without a traceback', function () {
    const exception = parseTraceback('KeyboardInterrupt: \r\n');
    expect(exception).to.include({ type: 'KeyboardInterrupt', message: '', line: undefined, errno: undefined });
    expect(exception.args).to.deep.equal([]);
    expect(exception.frames).to.deep.equal([]);
  });

  it('reads a SyntaxError whose frame has no scope', function () {
    const exception = parseTraceback(tb('Traceback (most recent call last):', '  File "<stdin>", line 3', 'SyntaxError: invalid syntax'));
    expect(exception).to.include({ type: 'SyntaxError', message: 'invalid syntax', line: 3 });
    expect(exception.frames).to.deep.equal([{ file: '<stdin>', line: 3, scope: undefined }]);
  });

  it('reads tuple args with strings, escapes, negative ints, floats, bytes and constants', function () {
    const exception = parseTraceback(
      tb('Traceback (most recent call last):', '  File "<stdin>", line 1, in <module>', `ValueError: ("a'b", 'q"', 'tab\\there\\n', -3, 1.5e+20, b'\\x01z', None, True, False)`),
    );
    expect(exception.type).to.equal('ValueError');
    expect(exception.args).to.deep.equal(["a'b", 'q"', 'tab\there\n', -3, 1.5e20, '\x01z', null, true, false]);
    expect(exception.errno).to.equal(undefined);
  });

  it('reads the mbedTLS error tuple and takes errno from an OSError first argument', function () {
    const exception = parseTraceback(tb('Traceback (most recent call last):', '  File "<stdin>", line 7, in <module>', "OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')"));
    expect(exception.args).to.deep.equal([-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED']);
    expect(exception.errno).to.equal(-9984);
  });

  it('reads OSError: -2 (an errno without a name) as errno -2', function () {
    const exception = parseTraceback(tb('Traceback (most recent call last):', '  File "<stdin>", line 1, in <module>', 'OSError: -2'));
    expect(exception.args).to.deep.equal([-2]);
    expect(exception.errno).to.equal(-2);
  });

  it('keeps a message that spans several lines, with its leading and trailing newlines', function () {
    const text = 'Traceback (most recent call last):\r\n  File "<stdin>", line 2, in <module>\r\nValueError: \r\nThe certificate validity starts in the future\r\n\r\n';
    const exception = parseTraceback(text);
    expect(exception.type).to.equal('ValueError');
    expect(exception.message).to.equal('\nThe certificate validity starts in the future\n');
    expect(exception.args).to.deep.equal(['\nThe certificate validity starts in the future\n']);
    expect(exception.line).to.equal(2);
  });

  it('gives errno only for OSError itself', function () {
    expect(parseTraceback('ValueError: [Errno 5] EIO\r\n').errno).to.equal(undefined);
    expect(parseTraceback('ValueError: 5\r\n').errno).to.equal(undefined);
    expect(parseTraceback('ValueError: 5\r\n').args).to.deep.equal([5]);
  });

  it('keeps a one-argument message that looks like a broken tuple as a string', function () {
    expect(parseTraceback("RuntimeError: (1, 'unterminated\r\n").args).to.deep.equal(["(1, 'unterminated"]);
    expect(parseTraceback('RuntimeError: (1, [2])\r\n').args).to.deep.equal(['(1, [2])']);
  });

  it('reports unknown shapes as UnknownError with the text kept', function () {
    const exception = parseTraceback('something went very wrong\r\n');
    expect(exception).to.include({ type: 'UnknownError', message: 'something went very wrong', text: 'something went very wrong\r\n' });
    expect(exception.args).to.equal(undefined);
    const frameOnly = parseTraceback('Traceback (most recent call last):\r\n  File "<stdin>", line 5, in <module>\r\n');
    expect(frameOnly).to.include({ type: 'UnknownError', line: 5 });
  });

  it('never throws, whatever the text', function () {
    for (const text of ['', '\r\n', ':', 'Traceback (most recent call last):', '  File "x", line', 'A: (', 'A: (\'\\x', "A: (b'", '\x00\xff']) {
      expect(() => parseTraceback(text), JSON.stringify(text)).not.to.throw();
    }
  });
});

describe('parseTupleRepr', function () {
  it('reads a one-element tuple with its trailing comma', function () {
    expect(parseTupleRepr("('only',)")).to.deep.equal(['only']);
  });

  it('reads an empty tuple', function () {
    expect(parseTupleRepr('()')).to.deep.equal([]);
  });

  it('refuses trailing text after the closing parenthesis', function () {
    expect(parseTupleRepr('(1, 2) extra)')).to.equal(undefined);
  });
});
