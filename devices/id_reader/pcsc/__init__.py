"""ICAO 9303 passports (eMRTD) through PC/SC readers: MRZ, BAC, secure messaging, LDS.

`PcscIdReader` lives in `devices.id_reader.pcsc.reader`; importing this package or
its pure modules (mrz, bac, lds, emrtd) does not need pyscard.
"""
