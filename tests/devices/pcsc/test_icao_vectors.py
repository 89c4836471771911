"""Key derivation, BAC and secure messaging against ICAO 9303-11 Appendix D (worked example)."""

from __future__ import annotations

import pytest

from devices.id_reader.pcsc import bac
from devices.id_reader.pcsc.mrz import mrz_key, parse_mrz

h = bytes.fromhex

MRZ_INFORMATION = "L898902C<369080619406236"
RND_ICC = h("4608F91988702212")
RND_IFD = h("781723860C06C226")
K_IFD = h("0B795240CB7049B01C19B33E32804F0B")
K_ENC = h("AB94FDECF2674FDFB9B391F85D7F76F2")
K_MAC = h("7962D9ECE03D1ACD4C76089DCE131543")
CARD_ANSWER = h("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")


def test_mrz_information_from_the_example_mrz() -> None:
    mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14"
    assert parse_mrz(mrz).key.seed == MRZ_INFORMATION
    assert mrz_key(MRZ_INFORMATION).seed == MRZ_INFORMATION


def test_key_seed_and_basic_access_keys() -> None:
    assert bac.key_seed(MRZ_INFORMATION) == h("239AB9CB282DAF66231DC5A4DF6BFBAE")
    assert bac.bac_keys(MRZ_INFORMATION) == (K_ENC, K_MAC)


def test_parity_adjustment() -> None:
    assert bac.adjust_parity(h("AB94FCEDF2664EDFB9B291F85D7F77F2")) == K_ENC


def test_mutual_authentication_command_and_session_keys() -> None:
    command = bac.mutual_authenticate_command(K_ENC, K_MAC, RND_ICC, RND_IFD, K_IFD)
    assert command == h(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2" "5F1448EEA8AD90A7"
    )
    keys = bac.session_from_response(K_ENC, K_MAC, RND_ICC, RND_IFD, K_IFD, CARD_ANSWER)
    assert keys.ks_enc == h("979EC13B1CBFE9DCD01AB0FED307EAE5")
    assert keys.ks_mac == h("F1CB1F1FB5ADF208806B89DC579DC1F8")
    assert keys.ssc == 0x887022120C06C226


def test_perform_bac_over_a_scripted_card() -> None:
    sent: list[bytes] = []
    answers = iter([(RND_ICC, 0x9000), (CARD_ANSWER, 0x9000)])

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        sent.append(apdu)
        return next(answers)

    randoms = iter([RND_IFD, K_IFD])
    keys = bac.perform_bac(transmit, MRZ_INFORMATION, random=lambda n: next(randoms))
    assert sent[0] == h("0084000008")
    assert sent[1] == h("0082000028") + bac.mutual_authenticate_command(K_ENC, K_MAC, RND_ICC, RND_IFD, K_IFD) + b"\x28"
    assert keys.ssc == 0x887022120C06C226


def test_secure_messaging_of_the_worked_example() -> None:
    keys = bac.session_from_response(K_ENC, K_MAC, RND_ICC, RND_IFD, K_IFD, CARD_ANSWER)
    sm = bac.SecureMessaging(keys)
    # SELECT EF.COM
    assert sm.wrap(h("00A4020C02011E")) == h("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    assert keys.ssc == 0x887022120C06C227
    assert sm.unwrap(h("990290008E08FA855A5D4C50A8ED"), 0x9000) == (b"", 0x9000)
    # READ BINARY of the first four bytes
    assert sm.wrap(h("00B0000004")) == h("0CB000000D9701048E08ED6705417E96BA5500")
    assert sm.unwrap(h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"), 0x9000) == (h("60145F01"), 0x9000)
    # READ BINARY of the rest
    assert sm.wrap(h("00B0000412")) == h("0CB000040D9701128E082EA28A70F3C7B53500")
    answer = h("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A" "990290008E08C8B2787EAEA07D74")
    data, sw = sm.unwrap(answer, 0x9000)
    assert (data, sw) == (h("04303130365F36063034303030305C026175"), 0x9000)
    assert keys.ssc == 0x887022120C06C22C


def test_a_response_with_a_wrong_mac_is_refused() -> None:
    from devices.errors import CorruptDataError

    keys = bac.session_from_response(K_ENC, K_MAC, RND_ICC, RND_IFD, K_IFD, CARD_ANSWER)
    sm = bac.SecureMessaging(keys)
    sm.wrap(h("00A4020C02011E"))
    with pytest.raises(CorruptDataError, match="MAC"):
        sm.unwrap(h("990290008E08FA855A5D4C50A8EE"), 0x9000)


def test_retail_mac_and_padding() -> None:
    assert bac.pad(b"") == h("8000000000000000")
    assert bac.pad(h("0102030405060708")) == h("01020304050607088000000000000000")
    assert bac.unpad(h("0102038000000000")) == h("010203")
    # M.IFD of the example: the MAC of E.IFD under Kmac
    e_ifd = h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert bac.retail_mac(K_MAC, bac.pad(e_ifd)) == h("5F1448EEA8AD90A7")
