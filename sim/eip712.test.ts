import { describe, expect, test } from 'bun:test'
import { Wallet } from 'ethers'
import { hmacSignature } from './auth.ts'
import { CLOB_AUTH_MESSAGE, clobAuthDigest, orderV1Digest, orderV2Digest, recoverAddress, toHex } from './eip712.ts'

const PK = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

describe('EIP-712 and HMAC test vectors (protocol doc §2.2, §2.3)', () => {
  test('ClobAuth vector recovers the signer', () => {
    const sig =
      '0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b'
    const w = new Wallet(PK)
    const digest = clobAuthDigest(w.address, '10000000', 23n, 80002)
    expect(recoverAddress(digest, sig)).toBe(w.address.toLowerCase())
    expect(recoverAddress(clobAuthDigest(w.address, '10000001', 23n, 80002), sig)).not.toBe(w.address.toLowerCase())
  })

  test('V1 order hash vector', () => {
    const h = orderV1Digest(
      {
        salt: 1n,
        maker: '0x1111111111111111111111111111111111111111',
        signer: '0x1111111111111111111111111111111111111111',
        taker: '0x0000000000000000000000000000000000000000',
        tokenId: 101n,
        makerAmount: 1_000_000n,
        takerAmount: 2_000_000n,
        expiration: 0n,
        nonce: 2n,
        feeRateBps: 0n,
        side: 0,
        signatureType: 0,
      },
      137,
      '0x0000000000000000000000000000000000000001',
    )
    expect(toHex(h)).toBe('0xeb162c6cc7aa28ad096a7c40fb9556d41fa1730d71103ba7103589ae1f18d942')
  })

  test('V2 order digest matches ethers TypedDataEncoder and recovers the wallet', async () => {
    const w = new Wallet(PK)
    const domain = {
      name: 'Polymarket CTF Exchange',
      version: '2',
      chainId: 137,
      verifyingContract: '0xE111180000d2663C0091e4f400237545B87B996B',
    }
    const types = {
      Order: [
        { name: 'salt', type: 'uint256' },
        { name: 'maker', type: 'address' },
        { name: 'signer', type: 'address' },
        { name: 'tokenId', type: 'uint256' },
        { name: 'makerAmount', type: 'uint256' },
        { name: 'takerAmount', type: 'uint256' },
        { name: 'side', type: 'uint8' },
        { name: 'signatureType', type: 'uint8' },
        { name: 'timestamp', type: 'uint256' },
        { name: 'metadata', type: 'bytes32' },
        { name: 'builder', type: 'bytes32' },
      ],
    }
    const zero = `0x${'0'.repeat(64)}`
    const value = {
      salt: 12345n,
      maker: w.address,
      signer: w.address,
      tokenId: 7132n,
      makerAmount: 5_000_000n,
      takerAmount: 10_000_000n,
      side: 0 as const,
      signatureType: 0,
      timestamp: 1713398400000n,
      metadata: zero,
      builder: zero,
    }
    const sig = await w.signTypedData(domain, types, value)
    const digest = orderV2Digest(value, 137, domain.verifyingContract)
    expect(recoverAddress(digest, sig)).toBe(w.address.toLowerCase())
    expect(recoverAddress(orderV2Digest({ ...value, takerAmount: 1n }, 137, domain.verifyingContract), sig)).not.toBe(
      w.address.toLowerCase(),
    )
    expect(CLOB_AUTH_MESSAGE).toBe('This message attests that I control the given wallet')
  })

  test('HMAC vector keeps the = padding and uses the url-safe alphabet', () => {
    const sig = hmacSignature(
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      '1000000test-sign/orders{"hash": "0x123"}',
    )
    expect(sig).toBe('ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc=')
  })

  test('malformed signatures recover nothing', () => {
    expect(recoverAddress(new Uint8Array(32), '0x1234')).toBeUndefined()
    expect(recoverAddress(new Uint8Array(32), `0x${'00'.repeat(64)}1b`)).toBeUndefined()
  })
})
