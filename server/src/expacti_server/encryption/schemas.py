"""API shapes of reviewer keys and of the encrypted-command envelope."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from expacti_server.encryption.envelope import ALGORITHM


class KeyCreate(BaseModel):
    """A reviewer's public key, as WebCrypto exports it."""

    model_config = ConfigDict(extra="forbid")

    public_key: StrictStr = Field(
        description="Base64 (standard alphabet, padded) of the DER SubjectPublicKeyInfo of an "
        "RSA key, 2048-8192 bits, used with RSA-OAEP and SHA-256: "
        "btoa(exportKey('spki', publicKey)).",
    )
    label: StrictStr | None = Field(
        default=None, max_length=200, description="Where the private key lives, e.g. 'laptop'."
    )


class KeyOwner(BaseModel):
    """The reviewer who holds the private key."""

    id: str
    name: str


class KeyView(BaseModel):
    """A registered public key."""

    # `alg` is always sent; its default only saves the service from spelling it out.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str
    reviewer: KeyOwner
    public_key: str = Field(description="Base64 of the DER SubjectPublicKeyInfo.")
    fingerprint: str = Field(description="SHA-256 of the DER SubjectPublicKeyInfo, hex.")
    bits: int = Field(description="Size of the RSA modulus.")
    alg: str = Field(default="RSA-OAEP-256", description="Always RSA-OAEP with SHA-256.")
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeyList(BaseModel):
    """The organisation's active keys, oldest first."""

    items: list[KeyView]


class EncryptedRecipient(BaseModel):
    """The AES key, wrapped for one reviewer key."""

    model_config = ConfigDict(extra="ignore")

    key_id: StrictStr = Field(description="The id of an active reviewer key of the organisation.")
    wrapped_key: StrictStr = Field(
        description="Base64 of RSA-OAEP (SHA-256, MGF1-SHA-256, no label) of the 32-byte AES key."
    )


class EncryptedEnvelope(BaseModel):
    """A command only reviewers' browsers can read (docs/ENCRYPTION.md)."""

    model_config = ConfigDict(extra="ignore")

    alg: StrictStr = Field(description=f"Always {ALGORITHM!r}.")
    iv: StrictStr = Field(description="Base64 of the 12-byte AES-GCM nonce.")
    ciphertext: StrictStr = Field(
        description="Base64 of AES-256-GCM of the UTF-8 command, 16-byte tag appended "
        "(WebCrypto's layout); no additional data."
    )
    recipients: list[EncryptedRecipient] = Field(description="At least one reviewer key.")
