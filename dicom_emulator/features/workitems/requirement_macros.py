"""The macros and shared sequence contents the UPS module table (:mod:`.requirement_modules`)
refers to with ``@Name``, in the same notation."""

from __future__ import annotations

MACROS = """
[CodeSequenceMacroAttributes]
@BasicCodeSequenceMacroAttributes
EquivalentCodeSequence 3/3 @EquivalentCodeSequence
@EnhancedCodeSequenceMacroAttributes
[BasicCodeSequenceMacroAttributes]
CodeValue 3/3
CodingSchemeDesignator 3/3
CodingSchemeVersion 3/3
CodeMeaning 3/3
LongCodeValue 3/3
URNCodeValue 3/3
[EnhancedCodeSequenceMacroAttributes]
ContextIdentifier 3/3
ContextUID 3/3
MappingResource 3/3
MappingResourceUID 3/3
MappingResourceName 3/3
ContextGroupVersion 3/3
ContextGroupExtensionFlag 3/3
ContextGroupLocalVersion 3/3
ContextGroupExtensionCreatorUID 3/3
[EquivalentCodeSequence]
@BasicCodeSequenceMacroAttributes
@EnhancedCodeSequenceMacroAttributes
[PersonIdentificationMacroAttributes]
PersonIdentificationCodeSequence 3/3 @CodeSequenceMacroAttributes
PersonAddress 3/3
PersonTelephoneNumbers 3/3
PersonTelecomInformation 3/3
InstitutionName 3/3
InstitutionAddress 3/3
InstitutionCodeSequence 3/3 @CodeSequenceMacroAttributes
InstitutionalDepartmentName 3/3
InstitutionalDepartmentTypeCodeSequence 3/3 @CodeSequenceMacroAttributes
[DigitalSignatureMacroAttributes]
MACParametersSequence 3/3
  MACIDNumber 3/3
  MACCalculationTransferSyntaxUID 3/3
  MACAlgorithm 3/3
  DataElementsSigned 3/3
DigitalSignaturesSequence 3/3
  MACIDNumber 3/3
  DigitalSignatureUID 3/3
  DigitalSignatureDateTime 3/3
  CertificateType 3/3
  CertificateOfSigner 3/3
  Signature 3/3
  CertifiedTimestampType 3/3
  CertifiedTimestamp 3/3
  DigitalSignaturePurposeCodeSequence 3/3 @CodeSequenceMacroAttributes
[OriginalAttributesMacroAttributes]
OriginalAttributesSequence 3/3
  SourceOfPreviousValues 3/3
  AttributeModificationDateTime 3/3
  ModifyingSystem 3/3
  ReasonForTheAttributeModification 3/3
  ModifiedAttributesSequence 3/3
  NonconformingModifiedAttributesSequence 3/3
    SelectorAttribute 3/3
    SelectorValueNumber 3/3
    SelectorSequencePointer 3/3
    SelectorSequencePointerPrivateCreator 3/3
    SelectorSequencePointerItems 3/3
    SelectorAttributePrivateCreator 3/3
    NonconformingDataElementValue 3/3
[HL7StructuredDocumentReferenceSequence]
HL7StructuredDocumentReferenceSequence 3/3
  ReferencedSOPClassUID 3/3
  ReferencedSOPInstanceUID 3/3
  HL7InstanceIdentifier 3/3
  RetrieveURI 3/3
[ConversionSourceAttributesSequence]
ConversionSourceAttributesSequence 3/3
  ReferencedSOPClassUID 3/3
  ReferencedSOPInstanceUID 3/3
  ReferencedFrameNumber 3/3
  ReferencedSegmentNumber 3/3
[GeneralProcedureProtocolReferenceMacroAttributes]
ReferencedDefinedProtocolSequence 3/3 @ReferencedProtocolSequence
ReferencedPerformedProtocolSequence 3/3 @ReferencedProtocolSequence
[ReferencedProtocolSequence]
ReferencedSOPClassUID 3/3
ReferencedSOPInstanceUID 3/3
SourceAcquisitionProtocolElementNumber 3/3
SourceReconstructionProtocolElementNumber 3/3
[UPSContentItemMacro]
ValueType 1/1
ConceptNameCodeSequence 1/1 @UPSCodeSequenceMacro
DateTime 1C/1C
Date 1C/1C
Time 1C/1C
PersonName 1C/1C
UID 1C/1C
TextValue 1C/1C
ConceptCodeSequence 1C/1C @UPSCodeSequenceMacro
NumericValue 1C/1C
MeasurementUnitsCodeSequence 1C/1C @UPSCodeSequenceMacro
[UPSCodeSequenceMacro]
CodeValue 1C/1C
CodingSchemeDesignator 1C/1C
CodingSchemeVersion 1C/1C
CodeMeaning 1/1
LongCodeValue 1C/1C
URNCodeValue 1C/1C
MappingResource 3/3
MappingResourceUID 3/3
ContextGroupVersion 3/3
ContextGroupExtensionFlag 3/3
ContextGroupLocalVersion 3/3
ContextGroupExtensionCreatorUID 3/3
[ReferencedInstancesAndAccessMacro]
TypeOfInstances 1/1
StudyInstanceUID 1C/1
SeriesInstanceUID 1C/1
ReferencedSOPSequence 1/1
  ReferencedSOPClassUID 1/1
  ReferencedSOPInstanceUID 1/1
  HL7InstanceIdentifier 1C/1
  ReferencedFrameNumber 1C/1
  ReferencedSegmentNumber 1C/1
DICOMRetrievalSequence 1C/1
  RetrieveAETitle 1/1
DICOMMediaRetrievalSequence 1C/1
  StorageMediaFileSetID 2/2
  StorageMediaFileSetUID 1/1
WADORetrievalSequence 1C/1
  RetrieveURI 1/1
XDSRetrievalSequence 1C/1
  RepositoryUniqueID 1/1
  HomeCommunityID 3/2
WADORSRetrievalSequence 1C/1
  RetrieveURL 1/1
[OtherPatientIDSequence]
PatientID 1/1
@IssuerOfPatientIDMacro
TypeOfPatientID 3/3
[IssuerOfPatientIDMacro]
IssuerOfPatientID 2/2|-
IssuerOfPatientIDQualifiersSequence 2/2|-
  UniversalEntityID 2/2
  UniversalEntityIDType 1C/1
  IdentifierTypeCode 2/2
  AssigningFacilitySequence 2/2 @HL7v2HierarchicDesignatorMacroForAdd
  AssigningJurisdictionCodeSequence 2/2 @UPSCodeSequenceMacro
  AssigningAgencyOrDepartmentCodeSequence 2/2 @UPSCodeSequenceMacro
[PrimaryLanguageCodeSequence]
@CodeSequenceMacroAttributes
PatientPrimaryLanguageModifierCodeSequence 3/3 @CodeSequenceMacroAttributes
[HL7v2HierarchicDesignatorMacroAttributes]
LocalNamespaceEntityID 3/3
UniversalEntityID 3/3
UniversalEntityIDType 3/3
[ProcedureStepProgressParameterSequence]
@UPSContentItemMacro
ContentItemModifierSequence -|3/3 @UPSContentItemMacro
[HL7v2HierarchicDesignatorMacroForAdd]
LocalNamespaceEntityID 1C/1
UniversalEntityID 1C/1
UniversalEntityIDType 1C/1
"""
