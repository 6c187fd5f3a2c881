"""python3-saml's XML signatures need xmlsec and lxml built on one libxml2.

Both wheels bundle their own libxml2; when a re-lock moves one without the
other, importing xmlsec fails at sign-in time ("lxml & xmlsec libxml2 library
version mismatch"). pyproject.toml pins the pair; this fails loudly when they
drift apart.
"""

import lxml.etree
import xmlsec


def test_xmlsec_and_lxml_use_the_same_libxml2():
    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION
    assert xmlsec.get_libxml_compiled_version() == lxml.etree.LIBXML_COMPILED_VERSION


def test_python3_saml_imports_with_them():
    from onelogin.saml2.auth import OneLogin_Saml2_Auth

    assert OneLogin_Saml2_Auth
