"""PAdES seals on approved PDFs with pyHanko; the certificate comes from the environment, per organisation.

    BESVAR_SEAL_P12_<ORG>        path of a PKCS#12 file (ORG: the organisation key, upper case, - as _)
    BESVAR_SEAL_PASSWORD_<ORG>   its password
    BESVAR_TSA_URL               an RFC 3161 timestamp authority: the seal then carries its timestamp (PAdES B-T)

The certificate chain in the PKCS#12 file is embedded with the seal (PAdES B-LT: a DSS with the certificates,
and revocation data when the chain carries it; nothing is fetched). The signature's widget is hidden and named
for screen readers, so PDF/UA needs no tag for it.
"""

import io
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError

FIELD = "Besvar-segl"
TSA_TIMEOUT_SECONDS = 10
log = logging.getLogger("besvar.seal")


def _env_name(prefix: str, org_key: str) -> str:
    return f"{prefix}{org_key.upper().replace('-', '_')}"


def configured(org_key: str) -> tuple[Path, bytes] | None:
    """The organisation's PKCS#12 file and password, when a seal is configured."""
    path = os.environ.get(_env_name("BESVAR_SEAL_P12_", org_key))
    if not path:
        return None
    return Path(path), os.environ.get(_env_name("BESVAR_SEAL_PASSWORD_", org_key), "").encode()


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer on the PDF whose Info will say what pyHanko writes in the XMP."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # An invisible seal's widget, hidden and named (TU): PDF/UA asks a visible annotation to be tagged.
    fields.append_signature_field(writer, fields.SigFieldSpec(
        FIELD, readable_field_name="Besvars segl: brevet er godkendt og uændret",
        invis_sig_settings=fields.InvisSigSettings(set_print_flag=False, set_hidden_flag=True)))
    # pyHanko writes itself as the XMP's pdf:Producer but appends itself to the Info's; PDF/A wants the two
    # to agree, so the Info says what the XMP will (issue 21).
    info = writer.trailer["/Info"].get_object() if "/Info" in writer.trailer else None
    if isinstance(info, generic.DictionaryObject):
        info["/Producer"] = generic.TextStringObject(VENDOR)
        writer.update_container(info)
    return writer


def seal(pdf: bytes, org_key: str) -> bytes:
    """The PDF sealed with the organisation's certificate; unchanged when none is configured."""
    found = configured(org_key)
    if found is None:
        return pdf
    path, password = found
    signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(path), passphrase=password or None)
    if signer is None:
        raise RuntimeError(f"cannot read the seal certificate {path} (wrong password?)")
    tsa = os.environ.get("BESVAR_TSA_URL")
    stamper = HTTPTimeStamper(tsa, timeout=TSA_TIMEOUT_SECONDS) if tsa else None
    for long_term, timestamped in ((True, True), (False, True), (True, False), (False, False)):
        if timestamped and stamper is None:
            continue
        try:
            return signers.sign_pdf(_writer(pdf), _metadata(signer, long_term), signer=signer,
                                    timestamper=stamper if timestamped else None).getvalue()
        except (TimestampRequestError, OSError) as exc:
            # An approval does not wait for the timestamp service: the seal without it still says who and when.
            log.warning("the timestamp authority %s did not answer (%s): sealed without a timestamp", tsa, exc)
            stamper = None
        except (PathError, ValidationError, SigningError) as exc:
            if not long_term:
                raise
            log.warning("the seal's certificate chain could not be validated (%s): sealed without validation data", exc)
    raise AssertionError("unreachable: the last attempt seals without a timestamp or validation data")


def _metadata(signer: signers.SimpleSigner, long_term: bool) -> signers.PdfSignatureMetadata:
    """PAdES metadata; `long_term`: the chain from the PKCS#12 file validated and embedded (B-LT)."""
    context = None
    if long_term:
        chain = [signer.signing_cert, *signer.cert_registry]
        roots = [c for c in chain if c.subject == c.issuer]
        context = ValidationContext(trust_roots=roots, other_certs=chain, allow_fetching=False, revocation_mode="soft-fail")
    return signers.PdfSignatureMetadata(field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
                                        reason="Godkendt i Besvar", embed_validation_info=long_term,
                                        validation_context=context)


def signer_of(pdf: bytes) -> str | None:
    """Who sealed the PDF (the certificate's subject), or None when it carries no signature."""
    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    return signatures[0].signer_cert.subject.human_friendly if signatures else None


def make_test_certificate(path: Path, *, name: str, password: bytes) -> None:
    """A self-signed certificate in a PKCS#12 file, for the demo and the tests; never for production."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                         x509.NameAttribute(NameOID.COMMON_NAME, f"{name} (testsegl)")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, None, serialization.BestAvailableEncryption(password)))
    os.chmod(path, 0o600)
