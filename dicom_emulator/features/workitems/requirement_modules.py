"""What a workitem's dataset must hold at create and at update: the UPS modules' table.

PS3.4 Table CC.2.5-3 (the UPS attributes and their requirement codes per DIMSE
operation), as the service enforces it (``WorkitemDatasetValidatorExtension.cs``). One
line per attribute: ``Keyword CODE`` (the same at create and update) or
``Keyword CREATE|UPDATE``; two spaces of indent per sequence level; ``@Name`` splices a
block of :mod:`.requirement_macros` (alone on a line) or gives a sequence's items its
requirements (after the code). Codes: ``1/1`` ... ``3/3``, ``1C/1C``, ``1C/1``, ``1C/2``,
``2C/2C``; ``-`` must not be present; ``empty`` may be present but must have no value.
Attributes listed twice are checked twice, in order (the service keeps both).
"""

from __future__ import annotations

MODULES = """
[Create]
TransactionUID 2/2
TransactionUID empty
@Workitem
[Update]
@Workitem
[Workitem]
@SOPCommonModule
@UnifiedProcedureStepScheduledProcedureInformationModule
@UnifiedProcedureStepRelationshipModule
@PatientDemographicModule
@PatientMedicalModule
@VisitIdentificationModule
@VisitStatusModule
@VisitAdmissionModule
@UnifiedProcedureStepProgressInformationModule
@UnifiedProcedureStepPerformedProcedureInformationModule
[SOPCommonModule]
SpecificCharacterSet 1C/1C
SOPClassUID 1/1|-
SOPInstanceUID 1/1|-
InstanceCreationDate 3/3
InstanceCreationTime 3/3
InstanceCoercionDateTime 3/3
InstanceCreatorUID 3/3
RelatedGeneralSOPClassUID 3/3
OriginalSpecializedSOPClassUID 3/3
CodingSchemeIdentificationSequence 3/3
  CodingSchemeDesignator 3/3
  CodingSchemeRegistry 3/3
  CodingSchemeUID 3/3
  CodingSchemeExternalID 3/3
  CodingSchemeName 3/3
  CodingSchemeVersion 3/3
  CodingSchemeResponsibleOrganization 3/3
  CodingSchemeResourcesSequence 3/3
    CodingSchemeURLType 3/3
    CodingSchemeURL 3/3
ContextGroupIdentificationSequence 3/3
  ContextIdentifier 3/3
  ContextUID 3/3
  MappingResource 3/3
  ContextGroupVersion 3/3
MappingResourceIdentificationSequence 3/3
  MappingResource 3/3
  MappingResourceUID 3/3
  MappingResourceName 3/3
TimezoneOffsetFromUTC 3/3
ContributingEquipmentSequence 3/3
  PurposeOfReferenceCodeSequence 3/3 @CodeSequenceMacroAttributes
  Manufacturer 3/3
  InstitutionName 3/3
  InstitutionAddress 3/3
  StationName 3/3
  InstitutionalDepartmentName 3/3
  InstitutionalDepartmentTypeCodeSequence 3/3 @CodeSequenceMacroAttributes
  OperatorsName 3/3
  OperatorIdentificationSequence 3/3 @PersonIdentificationMacroAttributes
  ManufacturerModelName 3/3
  DeviceSerialNumber 3/3
  SoftwareVersions 3/3
  DeviceUID 3/3
  UDISequence 3/3
    UniqueDeviceIdentifier 3/3
    DeviceDescription 3/3
  SpatialResolution 3/3
  DateOfLastCalibration 3/3
  TimeOfLastCalibration 3/3
  ContributionDateTime 3/3
  ContributionDescription 3/3
InstanceNumber 3/3
SOPInstanceStatus 3/3
SOPAuthorizationDateTime 3/3
SOPAuthorizationComment 3/3
AuthorizationEquipmentCertificationNumber 3/3
@DigitalSignatureMacroAttributes
EncryptedAttributesSequence 3/3
  EncryptedContentTransferSyntaxUID 3/3
  EncryptedContent 3/3
@OriginalAttributesMacroAttributes
@HL7StructuredDocumentReferenceSequence
LongitudinalTemporalInformationModified 3/3
QueryRetrieveView 3/3
@ConversionSourceAttributesSequence
ContentQualification 3/3
PrivateDataElementCharacteristicsSequence 3/3
  PrivateGroupReference 3/3
  PrivateCreatorReference 3/3
  PrivateDataElementDefinitionSequence 3/3
    PrivateDataElement 3/3
    PrivateDataElementValueMultiplicity 3/3
    PrivateDataElementValueRepresentation 3/3
    PrivateDataElementNumberOfItems 3/3
    PrivateDataElementKeyword 3/3
    PrivateDataElementName 3/3
    PrivateDataElementDescription 3/3
    PrivateDataElementEncoding 3/3
    RetrieveURI 3/3
  BlockIdentifyingInformationStatus 3/3
  NonidentifyingPrivateElements 3/3
  DeidentificationActionSequence 3/3
    IdentifyingPrivateElements 3/3
    DeidentificationAction 3/3
InstanceOriginStatus 3/3
BarcodeValue 3/3
@GeneralProcedureProtocolReferenceMacroAttributes
[UnifiedProcedureStepScheduledProcedureInformationModule]
ScheduledProcedureStepPriority 1/1|3/1
ScheduledProcedureStepModificationDateTime 1/1
ProcedureStepLabel 1/1|3/1
WorklistLabel 2/1|3/1
ScheduledProcessingParametersSequence 2/2|3/2 @UPSContentItemMacro
ScheduledStationNameCodeSequence 2/2|3/2 @UPSCodeSequenceMacro
ScheduledStationClassCodeSequence 2/2|3/2 @UPSCodeSequenceMacro
ScheduledStationGeographicLocationCodeSequence 2/2|3/2 @UPSCodeSequenceMacro
ScheduledHumanPerformersSequence 2C/2C|3/2
  HumanPerformerCodeSequence 1/1 @UPSCodeSequenceMacro
  HumanPerformerName 1/1
  HumanPerformerOrganization 1/1
ScheduledProcedureStepStartDateTime 1/1|3/1
ExpectedCompletionDateTime 3/1
ScheduledProcedureStepExpirationDateTime 3/3
ScheduledWorkitemCodeSequence 2/2|3/1 @UPSCodeSequenceMacro
CommentsOnTheScheduledProcedureStep 2/2|3/1
InputReadinessState 1/1|3/1
InputInformationSequence 2/2|3/2 @ReferencedInstancesAndAccessMacro
StudyInstanceUID 1C/2|3/2
OutputDestinationSequence 3/3
  ReferencedSOPClassUID 1C/1
  DICOMStorageSequence 1C/1
    DestinationAE 1/1
  STOWRSStorageSequence 1C/1
    StorageURL 1/1
  XDSStorageSequence 1C/1
    RepositoryUniqueID 1/1
    HomeCommunityID 3/2
[UnifiedProcedureStepRelationshipModule]
PatientName 2/2|-
PatientID 1C/2|-
@IssuerOfPatientIDMacro
OtherPatientIDsSequence 2/2|3/3 @OtherPatientIDSequence
PatientBirthDate 2/2|-
PatientSex 2/2|-
ReferencedPatientPhotoSequence 3/3 @ReferencedInstancesAndAccessMacro
AdmissionID 2/2|-
IssuerOfAdmissionIDSequence 2/2|- @HL7v2HierarchicDesignatorMacroForAdd
AdmittingDiagnosesDescription 2/2|-
AdmittingDiagnosesCodeSequence 2/2|- @UPSCodeSequenceMacro
ReferencedRequestSequence 2/2|-
  StudyInstanceUID 1/1
  AccessionNumber 2/2
  IssuerOfAccessionNumberSequence 2/2 @HL7v2HierarchicDesignatorMacroForAdd
  PlacerOrderNumberImagingServiceRequest 3/1
  OrderPlacerIdentifierSequence 2/2 @HL7v2HierarchicDesignatorMacroForAdd
  FillerOrderNumberImagingServiceRequest 3/1
  OrderFillerIdentifierSequence 2/2 @HL7v2HierarchicDesignatorMacroForAdd
  RequestedProcedureID 2/2
  RequestedProcedureDescription 2/2
  RequestedProcedureCodeSequence 2/2 @UPSCodeSequenceMacro
  ReasonForTheRequestedProcedure 3/3
  ReasonForRequestedProcedureCodeSequence 3/3 @UPSCodeSequenceMacro
  RequestedProcedureComments 3/3
  ConfidentialityCode 3/3
  NamesOfIntendedRecipientsOfResults 3/3
  ImagingServiceRequestComments 3/3
  RequestingPhysician 3/3
  RequestingService 3/1
  RequestingServiceCodeSequence 3/3 @UPSCodeSequenceMacro
  IssueDateOfImagingServiceRequest 3/3
  IssueTimeOfImagingServiceRequest 3/3
  ReferringPhysicianName 3/3
ReplacedProcedureStepSequence 1C/1C|-
  ReferencedSOPClassUID 1/1
  ReferencedSOPInstanceUID 1/1
TypeOfPatientID 3/3
PatientBirthDateInAlternativeCalendar 3/3
PatientDeathDateInAlternativeCalendar 3/3
PatientAlternativeCalendar 3/3
ReasonForVisit 3/3
ReasonForVisitCodeSequence 3/3 @CodeSequenceMacroAttributes
[PatientDemographicModule]
PatientAge 3/3
Occupation 3/3
ConfidentialityConstraintOnPatientDataDescription 3/3
PatientBirthDate 3/3
PatientBirthTime 3/3
PatientSex 3/3
QualityControlSubject 3/3
PatientInsurancePlanCodeSequence 3/3 @CodeSequenceMacroAttributes
PatientPrimaryLanguageCodeSequence 3/3 @PrimaryLanguageCodeSequence
PatientSize 3/3
PatientWeight 3/3
PatientSizeCodeSequence 3/3 @CodeSequenceMacroAttributes
PatientAddress 3/3
MilitaryRank 3/3
BranchOfService 3/3
CountryOfResidence 3/3
RegionOfResidence 3/3
PatientTelephoneNumbers 3/3
PatientTelecomInformation 3/3
EthnicGroup 3/3
PatientReligiousPreference 3/3
PatientComments 3/3
ResponsiblePerson 3/3
ResponsiblePersonRole 3/3
ResponsibleOrganization 3/3
PatientSpeciesDescription 3/3
PatientSpeciesCodeSequence 3/3 @CodeSequenceMacroAttributes
PatientBreedDescription 3/3
PatientBreedCodeSequence 3/3 @CodeSequenceMacroAttributes
BreedRegistrationSequence 3/3
  BreedRegistrationNumber 3/3
  BreedRegistryCodeSequence 3/3 @CodeSequenceMacroAttributes
StrainDescription 3/3
StrainNomenclature 3/3
StrainCodeSequence 3/3 @CodeSequenceMacroAttributes
StrainAdditionalInformation 3/3
StrainStockSequence 3/3
  StrainStockNumber 3/3
  StrainSource 3/3
  StrainSourceRegistryCodeSequence 3/3 @CodeSequenceMacroAttributes
GeneticModificationsSequence 3/3
  GeneticModificationsDescription 3/3
  GeneticModificationsNomenclature 3/3
  GeneticModificationsCodeSequence 3/3 @CodeSequenceMacroAttributes
[PatientMedicalModule]
MedicalAlerts 3/2
PregnancyStatus 3/2
SpecialNeeds 3/2
Allergies 3/3
SmokingStatus 3/3
AdditionalPatientHistory 3/3
LastMenstrualDate 3/3
PatientSexNeutered 3/3
PatientBodyMassIndex 3/3
MeasuredAPDimension 3/3
MeasuredLateralDimension 3/3
PatientState 3/3
PertinentDocumentsSequence 3/3
  ReferencedSOPClassUID 3/3
  ReferencedSOPInstanceUID 3/3
  PurposeOfReferenceCodeSequence 3/3 @CodeSequenceMacroAttributes
  DocumentTitle 3/3
PertinentResourcesSequence 3/3
  RetrieveURI 3/3
  ResourceDescription 3/3
PatientClinicalTrialParticipationSequence 3/3
  ClinicalTrialSponsorName 3/3
  ClinicalTrialProtocolID 3/3
  ClinicalTrialProtocolName 3/3
  ClinicalTrialSiteID 3/3
  ClinicalTrialSiteName 3/3
  ClinicalTrialSubjectID 3/3
  ClinicalTrialSubjectReadingID 3/3
[VisitIdentificationModule]
InstitutionName 3/3
InstitutionAddress 3/3
InstitutionCodeSequence 3/3 @CodeSequenceMacroAttributes
InstitutionalDepartmentName 3/3
InstitutionalDepartmentTypeCodeSequence 3/3 @CodeSequenceMacroAttributes
AdmissionID 3/3
IssuerOfAdmissionIDSequence 3/3 @HL7v2HierarchicDesignatorMacroAttributes
ReasonForVisit 3/3
ReasonForVisitCodeSequence 3/3 @CodeSequenceMacroAttributes
ServiceEpisodeID 3/3
IssuerOfServiceEpisodeIDSequence 3/3 @HL7v2HierarchicDesignatorMacroAttributes
ServiceEpisodeDescription 3/3
[VisitStatusModule]
VisitStatusID 3/3
CurrentPatientLocation 3/3
PatientInstitutionResidence 3/3
VisitComments 3/3
[VisitAdmissionModule]
ReferringPhysicianName 3/3
ReferringPhysicianAddress 3/3
ReferringPhysicianTelephoneNumbers 3/3
ReferringPhysicianIdentificationSequence 3/3 @PersonIdentificationMacroAttributes
ConsultingPhysicianName 3/3
ConsultingPhysicianIdentificationSequence 3/3 @PersonIdentificationMacroAttributes
AdmittingDiagnosesDescription 3/3
AdmittingDiagnosesCodeSequence 3/3 @CodeSequenceMacroAttributes
RouteOfAdmissions 3/3
AdmittingDate 3/3
AdmittingTime 3/3
[UnifiedProcedureStepProgressInformationModule]
ProcedureStepState 1/1|-
ProcedureStepProgressInformationSequence 2/2|3/2
  ProcedureStepProgress -|3/1
  ProcedureStepProgressDescription -|3/1
  ProcedureStepProgressParametersSequence -|3/3 @ProcedureStepProgressParameterSequence
  ProcedureStepCommunicationsURISequence -|3/1
    ContactURI -|1/1
    ContactDisplayName -|3/1
  ProcedureStepCancellationDateTime -|3/1
  ReasonForCancellation -|3/1
  ProcedureStepDiscontinuationReasonCodeSequence -|3/1 @UPSCodeSequenceMacro
[UnifiedProcedureStepPerformedProcedureInformationModule]
UnifiedProcedureStepPerformedProcedureSequence 2/2|3/2
  ActualHumanPerformersSequence -|3/1
    HumanPerformerCodeSequence -|3/1 @UPSCodeSequenceMacro
    HumanPerformerName -|3/1
    HumanPerformerOrganization -|3/1
  PerformedStationNameCodeSequence -|3/2 @UPSCodeSequenceMacro
  PerformedStationClassCodeSequence -|3/2 @UPSCodeSequenceMacro
  PerformedStationGeographicLocationCodeSequence -|3/2 @UPSCodeSequenceMacro
  PerformedProcedureStepStartDateTime -|3/1
  PerformedProcedureStepDescription -|3/1
  CommentsOnThePerformedProcedureStep -|3/1
  PerformedWorkitemCodeSequence -|3/1 @UPSCodeSequenceMacro
  PerformedProcessingParametersSequence -|3/1 @UPSContentItemMacro
  PerformedProcedureStepEndDateTime -|3/1
  OutputInformationSequence -|2/2 @ReferencedInstancesAndAccessMacro
"""
